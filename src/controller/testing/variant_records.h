#pragma once

// Hand-built catalogue records for tests of the layers that read the
// catalogue (selector, autoscaler policies, kserve): a classification /
// fashion-mnist variant with input "input" [dims] and output "logits" [10],
// and the profile the spec gives.
//
//   v1::VariantRecord r = MakeVariant({.name = "lenet5_onnx_cpu1_b8", .max_batch = 8,
//                                      .latency = {{1, 2.0}, {8, 4.0}}});
//
// Test-only; pure.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "infaas/v1/catalogue.pb.h"

namespace infaas::controller::testing {

inline constexpr int64_t kMiB = int64_t{1} << 20;

struct VariantSpec {
  std::string name{};
  std::string architecture = "lenet5";
  int threads = 1;
  int max_batch = 1;
  std::vector<std::pair<int, double>> latency = {{1, 1.0}};  // batch -> median ms (p99 1.5x)
  double accuracy = 90;
  double load_ms = 100;
  int64_t memory_bytes = 64 * kMiB;
  std::vector<int64_t> dims = {1, 28, 28};
  v1::Framework framework = v1::FRAMEWORK_ONNX;
};

v1::VariantRecord MakeVariant(const VariantSpec& spec);

}  // namespace infaas::controller::testing
