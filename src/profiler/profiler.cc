#include "profiler/profiler.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "backend/backend.h"
#include "backend/preprocess.h"
#include "common/latency_histogram.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::profiler {
namespace {

using backend::Model;
using backend::Tensor;

// A batch of `n` examples of the model's input shape with values like a
// normalised image's. Variable dimensions take the preprocessing size.
absl::StatusOr<Tensor> SyntheticBatch(const v1::ModelConfig& config, int n) {
  std::vector<int64_t> shape = {n};
  if (config.has_preprocessing() && config.input().dims_size() == 3) {
    ASSIGN_OR_RETURN(std::vector<int64_t> example, backend::ImageExampleShape(config));
    shape.insert(shape.end(), example.begin(), example.end());
  } else {
    for (int64_t d : config.input().dims()) shape.push_back(d < 0 ? 1 : d);
  }
  Tensor batch = Tensor::Zeros(shape);
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : batch.data) v = normal(rng);
  return batch;
}

// Whether TimeBatch may stop after `samples`, `elapsed` into the timing.
bool EnoughRuns(const std::vector<double>& samples, absl::Duration elapsed,
                const ProfileOptions& options) {
  const int runs = static_cast<int>(samples.size());
  if (runs >= options.max_runs) return true;
  if (runs < options.min_runs) return false;
  if (elapsed >= options.max_time_per_batch_size) return true;
  // Median checks cost a sort: only every few runs for fast models.
  return elapsed >= options.time_per_batch_size && (runs < 32 || runs % 8 == 0) &&
         MedianIsKnown(samples, options.median_precision);
}

absl::StatusOr<v1::BatchLatency> TimeBatch(Model& model, const Tensor& batch,
                                           const ProfileOptions& options) {
  for (int i = 0; i < options.warmup_runs; ++i) RETURN_IF_ERROR(model.Run(batch).status());
  std::vector<double> samples;
  const absl::Time begin = absl::Now();
  while (!EnoughRuns(samples, absl::Now() - begin, options)) {
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(model.Run(batch).status());
    samples.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  v1::BatchLatency latency;
  latency.set_batch_size(static_cast<int>(batch.shape[0]));
  latency.set_median_ms(PercentileOf(samples, 50));
  latency.set_p99_ms(PercentileOf(samples, 99));
  latency.set_runs(static_cast<int>(samples.size()));
  return latency;
}

int ArgMax(const float* values, int64_t n) {
  return static_cast<int>(std::max_element(values, values + n) - values);
}

// Top-1 accuracy in percent over the whole set, in batches of the max batch.
absl::StatusOr<double> MeasureAccuracy(Model& model, const ValidationSet& set) {
  const int max_batch = model.options().max_batch_size;
  int64_t correct = 0;
  for (size_t start = 0; start < set.examples.size(); start += max_batch) {
    const size_t end = std::min(set.examples.size(), start + max_batch);
    std::vector<Tensor> examples;
    for (size_t i = start; i < end; ++i) {
      ASSIGN_OR_RETURN(Tensor example,
                       backend::DecodeImageInput(set.examples[i].encoded_image, model.config(),
                                                 static_cast<int>(i - start)));
      examples.push_back(std::move(example));
    }
    ASSIGN_OR_RETURN(Tensor batch, backend::StackExamples(examples));
    ASSIGN_OR_RETURN(Tensor out, model.Run(batch));
    const int64_t classes = out.NumElements() / out.shape[0];
    for (size_t i = start; i < end; ++i) {
      const float* row = out.data.data() + (i - start) * classes;
      if (ArgMax(row, classes) == set.examples[i].label) ++correct;
    }
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(set.examples.size());
}

// The output of the seeded batch of one, kept for comparing frameworks.
constexpr int64_t kMaxProbeValues = 1 << 16;

}  // namespace

bool MedianIsKnown(std::vector<double> samples, double precision) {
  const size_t n = samples.size();
  if (n == 0) return false;
  std::sort(samples.begin(), samples.end());
  const double median = PercentileOf(samples, 50);
  if (median <= 0) return true;
  size_t low = 0;
  size_t high = n - 1;
  if (n >= 6) {
    const double spread = 0.98 * std::sqrt(static_cast<double>(n));
    // Ranks n/2 - spread and 1 + n/2 + spread (1-based), as 0-based indexes.
    low = static_cast<size_t>(std::max(0.0, std::floor(n / 2.0 - spread) - 1));
    high = std::min(n - 1, static_cast<size_t>(std::ceil(n / 2.0 + spread)));
  }
  return (samples[high] - samples[low]) / 2 <= precision * median;
}

absl::StatusOr<InstanceMeasurement> MeasureInstance(const v1::ModelConfig& config,
                                                    const std::filesystem::path& model_dir,
                                                    int cpu_threads, const ProfileOptions& options,
                                                    const ValidationSet* validation) {
  ASSIGN_OR_RETURN(std::unique_ptr<backend::Backend> engine,
                   backend::BackendFor(config.framework()));
  const int max_batch = std::max(1, config.max_batch_size());
  const absl::Time load_start = absl::Now();
  ASSIGN_OR_RETURN(
      std::unique_ptr<Model> model,
      engine->Load(config, model_dir,
                   backend::LoadOptions{.cpu_threads = cpu_threads, .max_batch_size = max_batch}));
  InstanceMeasurement m;
  m.framework = config.framework();
  m.model_file = config.model_file();
  m.cpu_threads = cpu_threads;
  m.load_latency_ms = absl::ToDoubleMilliseconds(absl::Now() - load_start);
  m.memory_bytes = model->load_report().MemoryBytes();
  {
    ASSIGN_OR_RETURN(Tensor probe, SyntheticBatch(config, 1));
    ASSIGN_OR_RETURN(Tensor out, model->Run(probe));
    if (!out.shape.empty()) m.output_dims.assign(out.shape.begin() + 1, out.shape.end());
    if (out.NumElements() <= kMaxProbeValues) m.probe_output = std::move(out.data);
  }
  for (int b : BatchSizesToMeasure(max_batch)) {
    ASSIGN_OR_RETURN(Tensor batch, SyntheticBatch(config, b));
    ASSIGN_OR_RETURN(v1::BatchLatency latency, TimeBatch(*model, batch, options));
    m.latency.push_back(latency);
  }
  if (validation != nullptr && !validation->examples.empty()) {
    ASSIGN_OR_RETURN(m.accuracy_percent, MeasureAccuracy(*model, *validation));
    m.validation_samples = static_cast<int64_t>(validation->examples.size());
  }
  m.profiling_ms = absl::ToDoubleMilliseconds(absl::Now() - load_start);
  LogInfo("profiled instance",
          {{"model", config.name()},
           {"framework", FrameworkShortName(config.framework())},
           {"threads", absl::StrCat(cpu_threads)},
           {"load_ms", absl::StrFormat("%.1f", m.load_latency_ms)},
           {"b1_ms", absl::StrFormat("%.3f", m.latency.front().median_ms())},
           {"profiling_ms", absl::StrFormat("%.0f", m.profiling_ms)},
           {"accuracy", m.validation_samples > 0 ? absl::StrFormat("%.2f", m.accuracy_percent)
                                                 : std::string("not measured")}});
  return m;
}

}  // namespace infaas::profiler
