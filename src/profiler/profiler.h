#pragma once

// The profiler: measures a model as INFaaS will serve it.
//
// For one (framework, thread count) instance it measures the cold load
// latency (read + optimise + warm-up, what a query triggering a load would
// wait), the median and p99 latency at batch sizes 1, 2, 4, ... up to the
// max batch (warm-up runs excluded), the memory the instance holds, and —
// given a labelled validation set — top-1 accuracy through the same input
// decoding that queries use.
//
//   ASSIGN_OR_RETURN(InstanceMeasurement m,
//                    MeasureInstance(config, model_dir, /*cpu_threads=*/2, {}, &validation));
//
// Runs on the calling thread (the backend uses cpu_threads cores inside).
// Thread-safe, but concurrent profiles disturb each other's timings.

#include <filesystem>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infaas/v1/model_config.pb.h"
#include "profiler/validation_set.h"
#include "profiler/variant_plan.h"

namespace infaas::profiler {

struct ProfileOptions {
  // Timed runs per batch size: at least min_runs, then more until
  // time_per_batch_size has passed or max_runs were made.
  int warmup_runs = 3;
  int min_runs = 10;
  int max_runs = 200;
  absl::Duration time_per_batch_size = absl::Milliseconds(400);
};

// Loads `config` (its framework and model_file) from `model_dir` with
// `cpu_threads` threads and measures it. `validation` may be null (no
// accuracy). Errors are the backend's load/run errors, naming the model.
absl::StatusOr<InstanceMeasurement> MeasureInstance(const v1::ModelConfig& config,
                                                    const std::filesystem::path& model_dir,
                                                    int cpu_threads, const ProfileOptions& options,
                                                    const ValidationSet* validation);

// How registration measures an instance: MeasureInstance in this process,
// or in a child process with limits (child_profiler.h).
using InstanceMeasurer = std::function<absl::StatusOr<InstanceMeasurement>(
    const v1::ModelConfig& config, const std::filesystem::path& model_dir, int cpu_threads,
    const ProfileOptions& options, const ValidationSet* validation)>;

}  // namespace infaas::profiler
