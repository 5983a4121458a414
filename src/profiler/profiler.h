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
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infaas/v1/model_config.pb.h"
#include "profiler/validation_set.h"
#include "profiler/variant_plan.h"

namespace infaas::profiler {

// How many timed runs a batch size gets: at least min_runs and at least
// time_per_batch_size (unless max_runs come first), then more until the
// median is known to
// median_precision (MedianIsKnown), stopping at max_runs or
// max_time_per_batch_size whichever comes first. A large model (resnet50:
// 1 s a run at batch 8) stops after min_runs; a small one runs for
// time_per_batch_size, which its p99 needs.
struct ProfileOptions {
  int warmup_runs = 1;  // per batch size; loading already warmed up at 1 and the max
  int min_runs = 3;
  int max_runs = 200;
  absl::Duration time_per_batch_size = absl::Milliseconds(400);
  double median_precision = 0.05;
  absl::Duration max_time_per_batch_size = absl::Seconds(4);
};

// Whether `samples` pin their median down to `precision` (relative): the
// distribution-free 95% confidence interval of the median (order
// statistics n/2 -+ 0.98 sqrt(n)), halved, is within precision x median.
// With fewer than 6 samples the interval is their whole range.
bool MedianIsKnown(std::vector<double> samples, double precision);

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
