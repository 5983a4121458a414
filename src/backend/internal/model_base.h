#pragma once

// What every backend's Model shares: option resolution, batch and output
// checks, serialised runs, warm-up and the load report.
//
// A backend derives from ModelBase, implements RunLocked() and calls
// WarmUp() and set_load_report() from its Load before handing the model
// out. Thread-safety as for Model: Run is thread-safe and serialised by
// run_mu_.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backend/backend.h"

namespace infaas::backend::internal {

// Fills zero options from the config (whose zero means 1). InvalidArgument
// for negative options.
absl::StatusOr<LoadOptions> ResolveLoadOptions(const v1::ModelConfig& config,
                                               const LoadOptions& options);

// Checks what Load needs before reading the model: CPU hardware
// (Unimplemented otherwise), a framework in `served` (FailedPrecondition
// otherwise, naming `backend_name`) and ValidateModelConfig against
// `model_dir` (InvalidArgument).
absl::Status CheckLoadable(const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                           absl::Span<const v1::Framework> served, absl::string_view backend_name);

// The input shape [n, dims...] Load warms up with: variable dimensions
// become the image size for an image input, 1 otherwise.
std::vector<int64_t> WarmUpShape(const v1::ModelConfig& config, int64_t n);

// Logs that `model` finished loading on `backend`, with its options and load time.
void LogVariantLoaded(const Model& model, absl::string_view backend);

// The first informative line of a framework's error text, whitespace
// collapsed, at most ~300 characters.
std::string ConciseError(absl::string_view message);

// Measures a Load: wall time and resident-set growth from construction.
class LoadMeter {
 public:
  LoadMeter();
  LoadReport Finish(int64_t weight_bytes) const;

 private:
  const absl::Time start_;
  const int64_t start_resident_bytes_;
};

class ModelBase : public Model {
 public:
  ModelBase(v1::ModelConfig config, LoadOptions resolved_options);

  absl::StatusOr<Tensor> Run(const Tensor& batch) final;
  const v1::ModelConfig& config() const final { return config_; }
  const LoadOptions& options() const final { return options_; }
  const LoadReport& load_report() const final { return load_report_; }

  // Runs the config's shape at batch 1 (twice) and at the max batch (once),
  // checking the output shape. A framework failure becomes InvalidArgument
  // "variant X: input shape [...] from config does not match the model: ...".
  absl::Status WarmUp();

  // Called once by Load, before the model is shared.
  void set_load_report(const LoadReport& report) { load_report_ = report; }

 protected:
  // Runs a batch already checked against the config on the framework.
  // Errors are the framework's failure, already concise.
  virtual absl::StatusOr<Tensor> RunLocked(const Tensor& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_) = 0;

  // Serialises runs: the engines keep per-run state in the model. Held
  // during inference on purpose — it guards the engine itself.
  absl::Mutex run_mu_;

 private:
  absl::Status CheckBatch(const Tensor& batch) const;
  absl::Status CheckOutput(const Tensor& output, int64_t n) const;

  const v1::ModelConfig config_;
  const LoadOptions options_;
  LoadReport load_report_;
};

}  // namespace infaas::backend::internal
