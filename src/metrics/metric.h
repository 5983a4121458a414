#pragma once

// The three kinds of Prometheus metric a MetricsRegistry hands out. Each is
// one time series (one set of label values); a family (registry.h) holds
// one per label set.
//
//   Counter& served = family.With({"lenet5_torchscript_cpu1_b8", "1"});
//   served.Increment();
//   latency.With({...}).Observe(0.0042);   // seconds
//
// Thread-safe: Counter and Gauge are lock-free atomics, a Histogram takes a
// short lock per observation. Owned by their family; the references stay
// valid as long as the registry (Clear() on a gauge family excepted).

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace infaas::metrics {

// A value that only goes up (requests served, seconds spent).
class Counter {
 public:
  // Adds `by` (>= 0; a negative amount is ignored: counters never decrease).
  void Increment(double by = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (workers alive, queue length).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets with fixed upper bounds.
class Histogram {
 public:
  // `upper_bounds` ascending, finite; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);

  struct Reading {
    std::vector<double> upper_bounds;
    // Cumulative: cumulative_counts[i] observations were <= upper_bounds[i].
    std::vector<uint64_t> cumulative_counts;
    uint64_t count = 0;  // all observations (the +Inf bucket)
    double sum = 0;
  };
  Reading Read() const;

 private:
  const std::vector<double> upper_bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> bucket_counts_ ABSL_GUARDED_BY(mu_);  // not cumulative
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
};

// Bucket bounds in seconds for request latencies: 0.5 ms to 60 s, roughly
// ×2.5 apart (the range INFaaS serves, from a linear model to a cold load).
std::vector<double> LatencyBucketsSeconds();

}  // namespace infaas::metrics
