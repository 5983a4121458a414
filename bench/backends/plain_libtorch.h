#pragma once

// "Plain libtorch": the TorchScript recipe called directly (jit::load, eval,
// freeze, optimize_for_inference, at::set_num_threads, InferenceMode), with
// no Backend wrapper, so the benchmark shows what the wrapper costs.
//
// Benchmark-only. Not thread-safe: one thread loads and runs it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace infaas::bench {

class PlainTorchModule {
 public:
  // Loads and prepares `file` with `threads` intra-op threads.
  static absl::StatusOr<std::unique_ptr<PlainTorchModule>> Load(const std::filesystem::path& file,
                                                                int threads);
  ~PlainTorchModule();

  // Runs `values` as a float32 tensor of `shape`; false on a libtorch error.
  bool Run(const std::vector<int64_t>& shape, std::vector<float>& values);

 private:
  struct State;
  explicit PlainTorchModule(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  int threads_ = 1;
};

}  // namespace infaas::bench
