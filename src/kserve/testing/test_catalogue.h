#pragma once

// A hand-built catalogue for the kserve unit tests: lenet5 (two variants)
// and linear (one), all classification/fashion-mnist, input [1,28,28],
// output "logits" [10]. Test-only.

#include <memory>
#include <string>

#include "controller/selector.h"
#include "controller/testing/variant_records.h"

namespace infaas::kserve {

inline v1::VariantRecord TestVariant(const std::string& name, const std::string& arch) {
  return controller::testing::MakeVariant(
      {.name = name, .architecture = arch, .framework = v1::FRAMEWORK_TORCHSCRIPT});
}

inline std::shared_ptr<const controller::Catalogue> TwoArchitectureCatalogue() {
  auto c = std::make_shared<controller::Catalogue>();
  c->variants = {TestVariant("lenet5_torchscript_cpu1_b8", "lenet5"),
                 TestVariant("lenet5_onnx_cpu1_b1", "lenet5"),
                 TestVariant("linear_torchscript_cpu1_b1", "linear")};
  return c;
}

}  // namespace infaas::kserve
