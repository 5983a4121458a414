#pragma once

// TimerThreads: a Scheduler on real time. Tasks wait in one queue ordered by
// when they are due (then by when they were scheduled) and run on a fixed
// set of threads, so that one task that blocks (a provisioner starting or
// stopping a worker) does not hold up the others.
//
//   TimerThreads timers("autoscaler", 2);
//   timers.After(absl::Seconds(1), [] { ... });
//   // destroying it drops the tasks not yet due and joins the threads
//
// Thread-safe.

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/scheduler.h"

namespace infaas {

class TimerThreads final : public Scheduler {
 public:
  TimerThreads(std::string name, int threads, Clock* clock = Clock::Real());
  // Drops tasks not yet started; waits for those running.
  ~TimerThreads() override;
  TimerThreads(const TimerThreads&) = delete;
  TimerThreads& operator=(const TimerThreads&) = delete;

  void After(absl::Duration delay, absl::AnyInvocable<void()> task) override;

  // Tasks scheduled and not yet started.
  int pending() const;

 private:
  struct Task {
    absl::Time due;
    uint64_t sequence;
    absl::AnyInvocable<void()> run;
  };
  struct Later {
    bool operator()(const Task& a, const Task& b) const {
      return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }
  };
  void Loop();

  const std::string name_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::vector<Task> queue_ ABSL_GUARDED_BY(mu_);  // a heap under Later
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace infaas
