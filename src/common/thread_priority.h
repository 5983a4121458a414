#pragma once

// Running background work at the OS's lowest CPU priority, so that it uses
// only the cores that latency-sensitive threads leave idle.
//
//   std::thread offline([] {
//     LowerThisThreadPriority().IgnoreError();  // best effort
//     RunBatchJobs();
//   });
//
// Linux: the calling thread (not the process) moves to SCHED_IDLE, which
// the kernel runs only when no normal thread wants the core; where that is
// refused it falls back to nice 19. Threads it creates later (e.g. an
// OpenMP team) inherit the setting. There is no way back for an
// unprivileged thread, so call it only on a thread dedicated to background
// work. Thread-safe.

#include "absl/status/status.h"

namespace infaas {

// OK once the calling thread runs at idle priority (or nice 19); Internal
// with the OS's reason when neither could be set.
absl::Status LowerThisThreadPriority();

// Whether the calling thread runs at idle priority or at nice 19 or above.
bool ThisThreadHasLowPriority();

}  // namespace infaas
