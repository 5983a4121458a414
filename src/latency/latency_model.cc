#include "latency/latency_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace infaas::latency {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Runs that weigh as much as the (scaled) profile in the blend.
constexpr double kPriorWeight = 2;

// Interpolates the profile's figures (batch size -> ms, read by `field`)
// at `batch`; see ProfileMedianMs. On the selector's path for every
// candidate, so two passes over the few entries, no allocation: a repeated
// size keeps its last figure (later entries win ties).
template <typename Field>
double ProfileMs(const v1::VariantProfile& profile, int batch, Field field) {
  const int wanted = std::max(batch, 1);
  const v1::BatchLatency* first = nullptr;    // the smallest size
  const v1::BatchLatency* largest = nullptr;  // the largest size
  const v1::BatchLatency* upper = nullptr;    // the smallest size >= wanted
  bool distinct = false;                      // more than one size
  for (const v1::BatchLatency& l : profile.latency()) {
    const int size = l.batch_size();
    if (size <= 0) continue;
    if (first != nullptr && size != first->batch_size()) distinct = true;
    if (first == nullptr || size <= first->batch_size()) first = &l;
    if (largest == nullptr || size >= largest->batch_size()) largest = &l;
    if (size >= wanted && (upper == nullptr || size <= upper->batch_size())) upper = &l;
  }
  if (first == nullptr) return kInf;
  const double b = wanted;
  // Below the smallest measured size: no faster than measured (a smaller
  // batch is not slower, so this is an upper bound).
  if (b <= first->batch_size()) return field(*first);
  if (!distinct) return field(*first) * b / first->batch_size();  // no batching gain assumed
  if (upper == nullptr) upper = largest;    // beyond the largest: extend the last segment
  const v1::BatchLatency* lower = nullptr;  // the largest size below upper's
  for (const v1::BatchLatency& l : profile.latency()) {
    const int size = l.batch_size();
    if (size <= 0 || size >= upper->batch_size()) continue;
    if (lower == nullptr || size >= lower->batch_size()) lower = &l;
  }
  const double slope =
      (field(*upper) - field(*lower)) / (upper->batch_size() - lower->batch_size());
  if (b > upper->batch_size())
    return field(*upper) + std::max(slope, 0.0) * (b - upper->batch_size());
  return field(*lower) + slope * (b - lower->batch_size());
}

// A timing's p90; its p99 where it has none (a heartbeat's), never below
// its median.
double MeasuredP90(const BatchTiming& t) {
  return std::max(t.p90_ms > 0 ? t.p90_ms : t.p99_ms, t.median_ms);
}

// Without a profile: the smallest measured batch size >= batch (an upper
// bound), else the largest scaled up in proportion.
ExecutionEstimate FromMeasurementsOnly(absl::Span<const BatchTiming> measured, int batch,
                                       int64_t runs) {
  if (measured.empty()) {
    return {.median_ms = kInf, .p99_ms = kInf, .p90_ms = kInf, .measured_runs = 0};
  }
  for (const BatchTiming& t : measured) {
    if (t.batch_size >= batch) {
      return {.median_ms = t.median_ms,
              .p99_ms = t.p99_ms,
              .p90_ms = MeasuredP90(t),
              .measured_runs = runs};
    }
  }
  const BatchTiming& largest = measured.back();
  const double scale = static_cast<double>(batch) / largest.batch_size;
  return {.median_ms = largest.median_ms * scale,
          .p99_ms = largest.p99_ms * scale,
          .p90_ms = MeasuredP90(largest) * scale,
          .measured_runs = runs};
}

}  // namespace

double ProfileMedianMs(const v1::VariantProfile& profile, int batch) {
  return ProfileMs(profile, batch, [](const v1::BatchLatency& l) { return l.median_ms(); });
}

double ProfileP99Ms(const v1::VariantProfile& profile, int batch) {
  return ProfileMs(profile, batch, [](const v1::BatchLatency& l) {
    return l.p99_ms() > 0 ? std::max(l.p99_ms(), l.median_ms()) : l.median_ms();
  });
}

ExecutionEstimate EstimateExecution(const v1::VariantProfile& profile,
                                    absl::Span<const BatchTiming> measured, int batch) {
  batch = std::max(batch, 1);
  const double prior_median = ProfileMedianMs(profile, batch);
  const double prior_p99 = ProfileP99Ms(profile, batch);
  // The slowdown against the profile, over every measured batch size.
  double weighted_ratio = 0;
  int64_t runs = 0;
  const BatchTiming* exact = nullptr;
  for (const BatchTiming& t : measured) {
    if (t.samples <= 0 || !(t.median_ms >= 0)) continue;
    if (t.batch_size == batch) exact = &t;
    const double profiled = ProfileMedianMs(profile, t.batch_size);
    if (!(profiled > 0) || std::isinf(profiled)) continue;
    weighted_ratio += static_cast<double>(t.samples) * (t.median_ms / profiled);
    runs += t.samples;
  }
  if (std::isinf(prior_median)) {
    int64_t all_runs = 0;
    for (const BatchTiming& t : measured) all_runs += std::max<int64_t>(t.samples, 0);
    return FromMeasurementsOnly(measured, batch, all_runs);
  }
  double slowdown = 1;
  if (runs > 0) {
    const double mean_ratio = weighted_ratio / static_cast<double>(runs);
    const double confidence =
        static_cast<double>(runs) / (static_cast<double>(runs) + kPriorWeight);
    slowdown = 1 + confidence * (mean_ratio - 1);
  }
  ExecutionEstimate e{.median_ms = slowdown * prior_median,
                      .p99_ms = slowdown * prior_p99,
                      .p90_ms = slowdown * prior_p99,
                      .measured_runs = runs};
  if (exact != nullptr) {
    const double n = static_cast<double>(exact->samples);
    e.median_ms = (n * exact->median_ms + kPriorWeight * e.median_ms) / (n + kPriorWeight);
    const double exact_p99 = std::max(exact->p99_ms, exact->median_ms);
    e.p99_ms = (n * exact_p99 + kPriorWeight * e.p99_ms) / (n + kPriorWeight);
    e.p90_ms = (n * MeasuredP90(*exact) + kPriorWeight * e.p90_ms) / (n + kPriorWeight);
  }
  e.p99_ms = std::max(e.p99_ms, e.median_ms);
  e.p90_ms = std::clamp(e.p90_ms, e.median_ms, e.p99_ms);
  return e;
}

double BacklogMs(const v1::VariantProfile& profile, absl::Span<const BatchTiming> measured,
                 int64_t examples, int max_batch) {
  if (examples <= 0) return 0;
  max_batch = std::max(max_batch, 1);
  const int64_t full = examples / max_batch;
  const int rest = static_cast<int>(examples % max_batch);
  double ms = 0;
  if (full > 0) {
    ms += static_cast<double>(full) * EstimateExecution(profile, measured, max_batch).median_ms;
  }
  if (rest > 0) ms += EstimateExecution(profile, measured, rest).median_ms;
  return ms;
}

}  // namespace infaas::latency
