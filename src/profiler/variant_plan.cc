#include "profiler/variant_plan.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace infaas::profiler {
namespace {

std::vector<int> PowersOfTwoUpTo(int limit) {
  std::vector<int> out;
  for (int v = 1; v < limit; v *= 2) out.push_back(v);
  out.push_back(std::max(limit, 1));
  return out;
}

// Median latency at the largest measured batch size <= max_batch.
double LatencyAt(const InstanceMeasurement& m, int max_batch) {
  double latency = 0;
  for (const v1::BatchLatency& l : m.latency) {
    if (l.batch_size() <= max_batch) latency = l.median_ms();
  }
  return latency;
}

v1::VariantRecord MakeRecord(const v1::ModelConfig& base, const InstanceMeasurement& m,
                             int max_batch) {
  v1::VariantRecord record;
  v1::ModelConfig* config = record.mutable_config();
  *config = base;
  config->set_name(VariantName(base.architecture(), m.framework, m.cpu_threads, max_batch));
  config->set_framework(m.framework);
  config->set_model_file(m.model_file);
  config->set_cpu_threads(m.cpu_threads);
  config->set_max_batch_size(max_batch);
  v1::VariantProfile* profile = record.mutable_profile();
  profile->set_variant(config->name());
  profile->set_load_latency_ms(m.load_latency_ms);
  profile->set_peak_memory_bytes(m.memory_bytes);
  for (const v1::BatchLatency& l : m.latency) {
    if (l.batch_size() <= max_batch) *profile->add_latency() = l;
  }
  if (m.validation_samples > 0) {
    profile->set_accuracy_percent(m.accuracy_percent);
    profile->set_validation_samples(m.validation_samples);
  } else {
    profile->set_accuracy_percent(base.declared_accuracy_percent());
  }
  return record;
}

}  // namespace

std::vector<int> ThreadCountsToTry(int cores) { return PowersOfTwoUpTo(cores); }

std::vector<int> BatchSizesToMeasure(int max_batch) { return PowersOfTwoUpTo(max_batch); }

std::vector<int> MaxBatchSizesToOffer(int max_batch) {
  if (max_batch <= 1) return {1};
  return {1, max_batch};
}

absl::string_view FrameworkShortName(v1::Framework framework) {
  switch (framework) {
    case v1::FRAMEWORK_TORCHSCRIPT:
      return "torchscript";
    case v1::FRAMEWORK_ONNX:
      return "onnx";
    case v1::FRAMEWORK_TENSORFLOW:
      return "tensorflow";
    case v1::FRAMEWORK_CAFFE:
      return "caffe";
    default:
      return "unknown";
  }
}

std::string VariantName(absl::string_view architecture, v1::Framework framework, int cpu_threads,
                        int max_batch) {
  return absl::StrCat(architecture, "_", FrameworkShortName(framework), "_cpu", cpu_threads, "_b",
                      max_batch);
}

std::vector<v1::VariantRecord> PlanVariants(const v1::ModelConfig& base,
                                            const std::vector<InstanceMeasurement>& measured,
                                            double min_speedup) {
  const int max_batch = std::max(1, base.max_batch_size());
  // Per framework, instances by thread count (ascending).
  std::map<v1::Framework, std::map<int, const InstanceMeasurement*>> by_framework;
  for (const InstanceMeasurement& m : measured) by_framework[m.framework][m.cpu_threads] = &m;

  std::vector<v1::VariantRecord> records;
  for (const auto& [framework, by_threads] : by_framework) {
    double best_latency = 0;  // the fastest kept with fewer threads
    for (const auto& [threads, m] : by_threads) {
      const double latency = LatencyAt(*m, max_batch);
      const bool first = best_latency == 0;
      if (!first && latency * min_speedup > best_latency) continue;  // does not pay
      best_latency = latency;
      for (int b : MaxBatchSizesToOffer(max_batch)) records.push_back(MakeRecord(base, *m, b));
    }
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.config().name() < b.config().name(); });
  return records;
}

}  // namespace infaas::profiler
