#pragma once

// Variant generation: from one uploaded model and what the profiler
// measured, the variants worth serving. Pure functions, no I/O.
//
// One upload is measured once per (framework, thread count) at batch sizes
// 1, 2, 4, ... up to the config's max batch. From each such instance come
// variants that differ in max batch (1, and the config's max): a max-batch-1
// variant promises the lowest latency, a larger one more throughput.
// A thread count is kept only if it pays: its latency at the max batch must
// beat the next smaller thread count by `min_speedup` — a 2-core variant
// that is not faster only occupies a core more.
//
// Names follow INFaaS: <architecture>_<framework>_cpu<threads>_b<max batch>,
// e.g. "lenet5_torchscript_cpu2_b8".

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::profiler {

// What was measured of one loaded instance.
struct InstanceMeasurement {
  v1::Framework framework = v1::FRAMEWORK_UNSPECIFIED;
  std::string model_file;  // the file this framework loads
  int cpu_threads = 1;
  double load_latency_ms = 0;
  int64_t memory_bytes = 0;
  std::vector<v1::BatchLatency> latency;  // ascending batch sizes from 1
  double accuracy_percent = 0;            // valid when validation_samples > 0
  int64_t validation_samples = 0;
  // The output shape (without the batch) and, up to 65,536 values, the
  // output itself for the profiler's seeded batch of one: the registrar
  // checks that frameworks agree on it.
  std::vector<int64_t> output_dims;
  std::vector<float> probe_output;
  double profiling_ms = 0;  // wall time of the whole measurement
};

// 1, 2, 4, ... up to `cores` (and `cores` itself if not a power of two).
std::vector<int> ThreadCountsToTry(int cores);

// 1, 2, 4, ... up to `max_batch` (and max_batch itself).
std::vector<int> BatchSizesToMeasure(int max_batch);

// The max batch sizes offered as variants: 1 and `max_batch` when above 1.
std::vector<int> MaxBatchSizesToOffer(int max_batch);

// "lenet5_torchscript_cpu2_b8". Framework names: torchscript, onnx,
// tensorflow, caffe.
std::string VariantName(absl::string_view architecture, v1::Framework framework, int cpu_threads,
                        int max_batch);

// Short lowercase framework name used in variant names.
absl::string_view FrameworkShortName(v1::Framework framework);

// The variants worth serving, as complete catalogue records: `base` is the
// uploaded config; its name, framework, model_file, cpu_threads and
// max_batch_size are set per variant. Records are sorted by name.
std::vector<v1::VariantRecord> PlanVariants(const v1::ModelConfig& base,
                                            const std::vector<InstanceMeasurement>& measured,
                                            double min_speedup = 1.15);

}  // namespace infaas::profiler
