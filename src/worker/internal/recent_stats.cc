#include "worker/internal/recent_stats.h"

#include <algorithm>

namespace infaas::worker::internal {

double RecentStats::Snapshot::AverageBatch() const {
  return batches == 0 ? 0.0 : static_cast<double>(batch_examples) / static_cast<double>(batches);
}

void RecentStats::Snapshot::Merge(const Snapshot& other) {
  arrival_qps += other.arrival_qps;
  served_qps += other.served_qps;
  batches += other.batches;
  batch_examples += other.batch_examples;
  latency.Merge(other.latency);
}

RecentStats::RecentStats(Clock* clock, absl::Duration window)
    : clock_(clock),
      window_seconds_(
          std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(window, absl::Seconds(1))))),
      started_(clock->Now()),
      slots_(static_cast<size_t>(window_seconds_)) {}

int64_t RecentStats::SecondOf(absl::Time t) const {
  return absl::ToInt64Seconds(absl::Floor(t - absl::UnixEpoch(), absl::Seconds(1)));
}

RecentStats::Slot& RecentStats::CurrentSlot() {
  const int64_t second = SecondOf(clock_->Now());
  Slot& slot = slots_[static_cast<size_t>(second % window_seconds_)];
  if (slot.second != second) {
    slot.second = second;
    slot.arrivals = slot.served = slot.batches = slot.batch_examples = 0;
    slot.latency.Clear();
  }
  return slot;
}

void RecentStats::RecordArrival() {
  absl::MutexLock lock(&mu_);
  ++CurrentSlot().arrivals;
}

void RecentStats::RecordBatch(int64_t examples) {
  absl::MutexLock lock(&mu_);
  Slot& slot = CurrentSlot();
  ++slot.batches;
  slot.batch_examples += examples;
}

void RecentStats::RecordServed(double latency_ms) {
  absl::MutexLock lock(&mu_);
  Slot& slot = CurrentSlot();
  ++slot.served;
  slot.latency.Record(latency_ms);
}

RecentStats::Snapshot RecentStats::Take() const {
  const absl::Time now = clock_->Now();
  const int64_t oldest = SecondOf(now) - window_seconds_ + 1;
  const absl::Time window_start = std::max(started_, absl::UnixEpoch() + absl::Seconds(oldest));
  const double covered_s = absl::ToDoubleSeconds(std::max(absl::Seconds(1), now - window_start));
  Snapshot snapshot;
  int64_t arrivals = 0;
  int64_t served = 0;
  absl::MutexLock lock(&mu_);
  for (const Slot& slot : slots_) {
    if (slot.second < oldest) continue;
    arrivals += slot.arrivals;
    served += slot.served;
    snapshot.batches += slot.batches;
    snapshot.batch_examples += slot.batch_examples;
    snapshot.latency.Merge(slot.latency);
  }
  snapshot.arrival_qps = static_cast<double>(arrivals) / covered_s;
  snapshot.served_qps = static_cast<double>(served) / covered_s;
  return snapshot;
}

}  // namespace infaas::worker::internal
