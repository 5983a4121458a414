#pragma once

// ExecutionTimes: how long one variant's batches really took on this
// worker, per batch size, over the recent past. The worker records every
// batch (after each instance's warm-up) and reports Take() with its
// heartbeat; the latency model (latency_model.h) blends the figures with the
// registration profile.
//
//   auto times = std::make_shared<ExecutionTimes>(Clock::Real());
//   times->Record(/*batch_size=*/4, /*ms=*/12.5);      // executor thread
//   std::vector<BatchTiming> recent = times->Take();   // heartbeat thread
//
// Each batch size keeps its last `samples_per_batch` runs, and Take() uses
// only those younger than `max_age`: a change in the machine (a busy
// neighbour, an offline job on the same cores) replaces the old figures
// within that many runs, and a variant idle for long falls back to its
// profile. Thread-safe; shared by all instances of one variant.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace infaas::latency {

// One batch size's recent execution times (Model::Run of a whole batch).
struct BatchTiming {
  int batch_size = 0;
  double median_ms = 0;
  double p99_ms = 0;
  // The worker's own tail for its deadline rules (a p99 over a few dozen
  // runs is their maximum: one outlier would rule for the whole window).
  // Not in heartbeats: 0 there, which readers take as "use the p99".
  double p90_ms = 0;
  int64_t samples = 0;  // how many runs the figures come from
};

class ExecutionTimes {
 public:
  struct Options {
    // Runs kept per batch size (the newest).
    size_t samples_per_batch = 32;
    // Runs older than this are left out of Take().
    absl::Duration max_age = absl::Seconds(10);
  };

  // `clock` must outlive this object.
  explicit ExecutionTimes(Clock* clock);
  ExecutionTimes(Clock* clock, Options options);

  // One batch of `batch_size` examples ran for `ms`. Ignores batch sizes
  // below 1 and times that are negative or not finite.
  void Record(int batch_size, double ms);

  // Per batch size with recent runs, ascending: median, p99, p90, samples.
  std::vector<BatchTiming> Take() const;

 private:
  struct Run {
    absl::Time at;
    double ms = 0;
  };

  Clock* const clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::map<int, std::deque<Run>> runs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::latency
