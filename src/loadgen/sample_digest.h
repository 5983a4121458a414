#pragma once

// SampleDigest: percentiles of non-negative samples (latencies in ms,
// relative errors) in bounded memory. The first 256 samples are kept as
// they are and give exact percentiles (PercentileOf); past that they move
// into a sparse log-bucketed histogram whose buckets grow by 2%, so a
// percentile is within 1% of the exact figure and the memory grows with the
// spread of the samples (about 4 bytes per 2% of range), never with their
// number. An hour of 100,000 queries per second fits in a few kilobytes.
//
//   SampleDigest d;
//   d.Add(3.2);
//   double p99 = d.Percentile(99);
//
// Not thread-safe (LoadRecorder guards its digests).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace infaas::loadgen {

class SampleDigest {
 public:
  static constexpr size_t kExactSamples = 256;

  void Add(double sample);  // negative and non-finite samples count as 0
  void Merge(const SampleDigest& other);

  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // 0 <= p <= 100; 0 when empty. Exact while at most kExactSamples were
  // added; within 1% after (clamped to the smallest and largest sample).
  double Percentile(double p) const;

 private:
  void ToHistogram();
  void AddToHistogram(double sample, uint32_t n);

  int64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  std::vector<double> exact_;  // while not histogram_
  bool histogram_ = false;
  int zeros_ = 0;  // samples below the first bucket
  int first_bucket_ = 0;
  std::vector<uint32_t> buckets_;  // counts of [first_bucket_, first_bucket_ + size)
};

}  // namespace infaas::loadgen
