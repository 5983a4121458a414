#pragma once

// Scheduler: when the control core's periodic and deferred work runs — the
// autoscaler's rounds, a round started at once by a load request, a
// provisioner call that may block. The master runs it on threads
// (TimerThreads); the simulator on its event loop's virtual time.
//
//   scheduler->After(absl::Seconds(1), [this] { Round(); });
//
// A task runs once, no earlier than `delay` from now (by the scheduler's own
// clock), unless the scheduler is destroyed first: then it is dropped
// without running, so a task must not be the only owner of something that
// needs releasing. Implementations are thread-safe.

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace infaas {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void After(absl::Duration delay, absl::AnyInvocable<void()> task) = 0;
};

}  // namespace infaas
