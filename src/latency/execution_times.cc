#include "latency/execution_times.h"

#include <cmath>
#include <utility>

#include "common/latency_histogram.h"

namespace infaas::latency {

ExecutionTimes::ExecutionTimes(Clock* clock) : ExecutionTimes(clock, Options{}) {}

ExecutionTimes::ExecutionTimes(Clock* clock, Options options) : clock_(clock), options_(options) {}

void ExecutionTimes::Record(int batch_size, double ms) {
  if (batch_size < 1 || !(ms >= 0) || std::isinf(ms)) return;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  std::deque<Run>& runs = runs_[batch_size];
  runs.push_back({now, ms});
  while (runs.size() > options_.samples_per_batch) runs.pop_front();
}

std::vector<BatchTiming> ExecutionTimes::Take() const {
  const absl::Time oldest = clock_->Now() - options_.max_age;
  std::vector<BatchTiming> timings;
  std::vector<double> recent;
  absl::MutexLock lock(&mu_);
  for (const auto& [batch_size, runs] : runs_) {
    recent.clear();
    for (const Run& run : runs) {
      if (run.at >= oldest) recent.push_back(run.ms);
    }
    if (recent.empty()) continue;
    timings.push_back({.batch_size = batch_size,
                       .median_ms = PercentileOf(recent, 50),
                       .p99_ms = PercentileOf(recent, 99),
                       .p90_ms = PercentileOf(recent, 90),
                       .samples = static_cast<int64_t>(recent.size())});
  }
  return timings;
}

}  // namespace infaas::latency
