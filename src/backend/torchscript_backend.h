#pragma once

// The TorchScript backend: runs FRAMEWORK_TORCHSCRIPT variants with libtorch.
//
// Load reads the archive (torch::jit::load), switches it to eval mode,
// freezes it (torch::jit::freeze) and runs torch::jit::optimize_for_inference,
// then warms it up; Run executes under c10::InferenceMode. A plain scripted
// module is 1.2-12x slower than a frozen one, so freezing is not optional.
//
// Threads: each Run sets the calling thread's OpenMP team size to the
// instance's cpu_threads (see internal/torch_threads.h), so instances with
// different counts can run at once in different threads. Load also sets the
// loading thread's count, so that the optimisation passes and the warm-up run
// with the instance's count.
//
// Created by BackendFor(); stateless; thread-safe.

#include <memory>

#include "absl/status/statusor.h"
#include "backend/backend.h"

namespace infaas::backend {

class TorchScriptBackend final : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<TorchScriptBackend>> Create();

  absl::StatusOr<std::unique_ptr<Model>> Load(const v1::ModelConfig& config,
                                              const std::filesystem::path& model_dir,
                                              const LoadOptions& options) override;
  absl::string_view name() const override { return "torchscript"; }

 private:
  TorchScriptBackend() = default;
};

}  // namespace infaas::backend
