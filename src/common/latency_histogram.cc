#include "common/latency_histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace infaas {

LatencyHistogram::LatencyHistogram(double min_ms, double max_ms, double growth) {
  for (double bound = min_ms; bound < max_ms; bound *= growth) {
    upper_bounds_.push_back(bound);
  }
  upper_bounds_.push_back(max_ms);
  counts_.assign(upper_bounds_.size(), 0);
}

int LatencyHistogram::BucketFor(double ms) const {
  auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), ms);
  if (it == upper_bounds_.end()) return static_cast<int>(upper_bounds_.size()) - 1;
  return static_cast<int>(it - upper_bounds_.begin());
}

void LatencyHistogram::Record(double ms) {
  if (!(ms >= 0)) ms = 0;  // also maps NaN to 0
  ++counts_[BucketFor(ms)];
  if (count_ == 0 || ms < min_seen_) min_seen_ = ms;
  if (count_ == 0 || ms > max_seen_) max_seen_ = ms;
  ++count_;
  sum_ms_ += ms;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  assert(other.upper_bounds_ == upper_bounds_);
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_seen_ < min_seen_) min_seen_ = other.min_seen_;
  if (count_ == 0 || other.max_seen_ > max_seen_) max_seen_ = other.max_seen_;
  count_ += other.count_;
  sum_ms_ += other.sum_ms_;
}

void LatencyHistogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ms_ = min_seen_ = max_seen_ = 0;
}

double LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  const double rank = p / 100.0 * static_cast<double>(count_);
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    if (static_cast<double>(seen + counts_[i]) >= rank) {
      const double lower = i == 0 ? 0.0 : upper_bounds_[i - 1];
      const double upper = upper_bounds_[i];
      const double within = (rank - static_cast<double>(seen)) / static_cast<double>(counts_[i]);
      return std::clamp(lower + within * (upper - lower), min_seen_, max_seen_);
    }
    seen += counts_[i];
  }
  return max_seen_;
}

double PercentileOf(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(samples.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, samples.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return samples[lo] + frac * (samples[hi] - samples[lo]);
}

}  // namespace infaas
