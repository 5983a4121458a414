#pragma once

// EventLoop: the simulator's virtual time. Events run one at a time, in the
// order of their time and, at equal times, of their scheduling: a run is a
// pure function of what was scheduled, bit for bit.
//
//   EventLoop loop;
//   loop.After(absl::Milliseconds(5), [&] { ... loop.now() ... });
//   loop.RunUntil(loop.now() + absl::Hours(1));
//
// clock() is a FakeClock that shows the loop's time, for the code under
// simulation that reads a Clock (the demand tracker, execution times).
// Single-threaded: schedule only from the loop's own events or before
// RunUntil.

#include <cstdint>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace infaas::sim {

class EventLoop {
 public:
  explicit EventLoop(absl::Time start = absl::UnixEpoch() + absl::Hours(24 * 365 * 50));

  absl::Time now() const { return now_; }
  Clock* clock() { return &clock_; }

  // Runs `event` at `when` (now if earlier).
  void At(absl::Time when, absl::AnyInvocable<void()> event);
  void After(absl::Duration delay, absl::AnyInvocable<void()> event) {
    At(now_ + delay, std::move(event));
  }

  // Runs every event due up to `end`, then sets the time to `end`.
  void RunUntil(absl::Time end);

  int64_t events_run() const { return events_run_; }
  size_t pending() const { return queue_.size(); }

 private:
  struct Event {
    absl::Time when;
    uint64_t sequence = 0;
    absl::AnyInvocable<void()> run;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.when != b.when ? a.when > b.when : a.sequence > b.sequence;
    }
  };

  absl::Time now_;
  FakeClock clock_;
  uint64_t next_sequence_ = 0;
  int64_t events_run_ = 0;
  std::vector<Event> queue_;  // a heap under Later: the earliest at the front
};

}  // namespace infaas::sim
