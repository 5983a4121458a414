#include "metrics/metric.h"

#include <algorithm>

namespace infaas::metrics {

void Counter::Increment(double by) {
  if (!(by > 0)) return;  // also drops NaN
  value_.fetch_add(by, std::memory_order_relaxed);
}

void Gauge::Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), bucket_counts_(upper_bounds_.size(), 0) {}

void Histogram::Observe(double value) {
  // First bucket whose bound is >= value; past the end is the +Inf bucket.
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  absl::MutexLock lock(&mu_);
  if (bucket < bucket_counts_.size()) ++bucket_counts_[bucket];
  ++count_;
  sum_ += value;
}

Histogram::Reading Histogram::Read() const {
  Reading r;
  r.upper_bounds = upper_bounds_;
  absl::MutexLock lock(&mu_);
  uint64_t running = 0;
  for (uint64_t c : bucket_counts_) r.cumulative_counts.push_back(running += c);
  r.count = count_;
  r.sum = sum_;
  return r;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace infaas::metrics
