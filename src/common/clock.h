#pragma once

// Time, injected. Everything that reads the time or sleeps takes a Clock*,
// so tests and the simulator drive time by hand with FakeClock.

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace infaas {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  virtual void SleepFor(absl::Duration d) = 0;

  // The process-wide real clock; never null, never destroyed.
  static Clock* Real();
};

// A clock that moves only when told. SleepFor(d) blocks until another
// thread has advanced the clock by at least d (or returns at once for
// d <= 0). Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(24 * 365 * 50));

  absl::Time Now() const override;
  void SleepFor(absl::Duration d) override;

  void Advance(absl::Duration d);
  void SetTime(absl::Time t);

  // Blocks until at least `n` threads are waiting in SleepFor, so a test
  // can advance time knowing who will wake.
  void AwaitSleepers(int n) const;

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int sleepers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas
