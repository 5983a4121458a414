#pragma once

// RecentStats: what one variant instance did over the last few seconds —
// queries that arrived, queries served, batch sizes and latency — for the
// heartbeat the master's autoscalers read.
//
//   RecentStats stats(Clock::Real());            // 5 s window
//   stats.RecordArrival();                       // gRPC thread, at enqueue
//   stats.RecordBatch(4);                        // executor, per Model::Run
//   stats.RecordServed(12.5);                    // executor, per query
//   RecentStats::Snapshot s = stats.Take();
//   double qps = s.served_qps;
//
// Time is cut into one-second slots kept in a ring; a snapshot covers the
// slots that fall inside the window (the current one partly). Thread-safe.

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/latency_histogram.h"

namespace infaas::worker::internal {

class RecentStats {
 public:
  // What happened within the window. Rates are queries (requests) per
  // second over the time the window covers: the window, or less right after
  // start, but never under one second, so a single early query does not read
  // as a burst. Batch examples are rows of the tensors Model::Run received.
  struct Snapshot {
    double arrival_qps = 0;
    double served_qps = 0;
    int64_t batches = 0;
    int64_t batch_examples = 0;
    // Per-query latency (queue + compute), milliseconds.
    LatencyHistogram latency;

    // Mean examples per batch; 0 without batches.
    double AverageBatch() const;
    // Adds another instance's figures (rates add up).
    void Merge(const Snapshot& other);
  };

  // `clock` must outlive this object. `window` is rounded up to whole
  // seconds (at least one).
  explicit RecentStats(Clock* clock, absl::Duration window = absl::Seconds(5));

  void RecordArrival();
  void RecordBatch(int64_t examples);
  void RecordServed(double latency_ms);

  Snapshot Take() const;

 private:
  struct Slot {
    int64_t second = -1;  // whole seconds since the Unix epoch; -1 unused
    int64_t arrivals = 0;
    int64_t served = 0;
    int64_t batches = 0;
    int64_t batch_examples = 0;
    LatencyHistogram latency;
  };

  int64_t SecondOf(absl::Time t) const;
  // The slot for the current second, reset if it last held an older one.
  Slot& CurrentSlot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  const int64_t window_seconds_;
  const absl::Time started_;
  mutable absl::Mutex mu_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::worker::internal
