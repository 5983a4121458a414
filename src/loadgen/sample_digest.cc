#include "loadgen/sample_digest.h"

#include <algorithm>
#include <cmath>

#include "common/latency_histogram.h"

namespace infaas::loadgen {
namespace {

// Bucket b holds [kSmallest * kGrowth^b, kSmallest * kGrowth^(b+1)).
constexpr double kGrowth = 1.02;
constexpr double kSmallest = 1e-6;  // below: counted as 0

int BucketOf(double sample) {
  return static_cast<int>(std::floor(std::log(sample / kSmallest) / std::log(kGrowth)));
}

double Clean(double sample) { return std::isfinite(sample) && sample > 0 ? sample : 0; }

}  // namespace

void SampleDigest::Add(double sample) {
  sample = Clean(sample);
  min_ = count_ == 0 ? sample : std::min(min_, sample);
  max_ = count_ == 0 ? sample : std::max(max_, sample);
  ++count_;
  if (!histogram_) {
    exact_.push_back(sample);
    if (exact_.size() > kExactSamples) ToHistogram();
    return;
  }
  AddToHistogram(sample, 1);
}

void SampleDigest::ToHistogram() {
  histogram_ = true;
  for (double s : exact_) AddToHistogram(s, 1);
  exact_.clear();
  exact_.shrink_to_fit();
}

void SampleDigest::AddToHistogram(double sample, uint32_t n) {
  if (sample < kSmallest) {
    zeros_ += static_cast<int>(n);
    return;
  }
  const int b = BucketOf(sample);
  if (buckets_.empty()) {
    first_bucket_ = b;
    buckets_.assign(1, 0);
  } else if (b < first_bucket_) {
    buckets_.insert(buckets_.begin(), static_cast<size_t>(first_bucket_ - b), 0);
    first_bucket_ = b;
  } else if (b >= first_bucket_ + static_cast<int>(buckets_.size())) {
    buckets_.resize(static_cast<size_t>(b - first_bucket_ + 1), 0);
  }
  buckets_[static_cast<size_t>(b - first_bucket_)] += n;
}

void SampleDigest::Merge(const SampleDigest& other) {
  if (other.count_ == 0) return;
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  if (!histogram_ && !other.histogram_ && exact_.size() + other.exact_.size() <= kExactSamples) {
    exact_.insert(exact_.end(), other.exact_.begin(), other.exact_.end());
    return;
  }
  if (!histogram_) ToHistogram();
  for (double s : other.exact_) AddToHistogram(s, 1);
  zeros_ += other.zeros_;
  for (size_t i = 0; i < other.buckets_.size(); ++i) {
    if (other.buckets_[i] == 0) continue;
    // The bucket's middle lands in the same bucket here.
    const int b = other.first_bucket_ + static_cast<int>(i);
    AddToHistogram(kSmallest * std::pow(kGrowth, b + 0.5), other.buckets_[i]);
  }
}

double SampleDigest::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (!histogram_) return PercentileOf(exact_, p);
  // The sample of rank ceil(p% of count), at its bucket's geometric middle.
  const int64_t rank = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(p / 100 * static_cast<double>(count_))), 1, count_);
  if (rank == count_) return max_;
  int64_t seen = zeros_;
  if (rank <= seen) return min_;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (rank <= seen) {
      const double middle =
          kSmallest * std::pow(kGrowth, first_bucket_ + static_cast<int>(i) + 0.5);
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

}  // namespace infaas::loadgen
