#pragma once

// Latency statistics.
//
// LatencyHistogram counts samples (milliseconds) in fixed, geometrically
// spaced buckets: constant memory, mergeable, cheap to record, and
// percentiles accurate to one bucket (about 10%). (The Prometheus
// histograms of metrics/ use fewer, fixed bounds in seconds.)
//
//   LatencyHistogram h;
//   h.Record(3.2);
//   double p99 = h.Percentile(99);
//
// Not thread-safe: guard it, or keep one per thread and Merge().
//
// PercentileOf() is the exact figure from raw samples, for the profiler
// and the benchmarks.

#include <cstdint>
#include <vector>

namespace infaas {

class LatencyHistogram {
 public:
  // Buckets cover [min_ms, max_ms] with `growth` between bucket bounds;
  // samples outside land in the first / last bucket.
  explicit LatencyHistogram(double min_ms = 0.01, double max_ms = 100000.0, double growth = 1.1);

  void Record(double ms);
  void Merge(const LatencyHistogram& other);  // needs identical buckets
  void Clear();

  int64_t count() const { return count_; }
  double sum_ms() const { return sum_ms_; }
  double Mean() const { return count_ == 0 ? 0.0 : sum_ms_ / count_; }
  double min_ms() const { return count_ == 0 ? 0.0 : min_seen_; }
  double max_ms() const { return count_ == 0 ? 0.0 : max_seen_; }

  // The p-th percentile (0 < p <= 100), interpolated inside its bucket and
  // clamped to the observed min/max; 0 when empty.
  double Percentile(double p) const;

  // Upper bounds of the buckets (ms), ascending, and per-bucket counts.
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  const std::vector<int64_t>& bucket_counts() const { return counts_; }

 private:
  int BucketFor(double ms) const;

  std::vector<double> upper_bounds_;
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  double sum_ms_ = 0;
  double min_seen_ = 0;
  double max_seen_ = 0;
};

// Exact p-th percentile (0 <= p <= 100) of `samples` by linear
// interpolation between closest ranks; 0 for an empty vector.
double PercentileOf(std::vector<double> samples, double p);

}  // namespace infaas
