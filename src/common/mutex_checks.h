#pragma once

// Debian's Abseil is built without NDEBUG, so by default every absl::Mutex
// records the order locks are taken in to detect deadlocks — about 3% of the
// master's CPU under load (measured with perf at 32 queries in flight).
// Release builds of the servers turn that off; debug and sanitizer builds,
// which the tests run, keep it.
//
//   int main() { infaas::UseReleaseMutexChecks(); ... }

#include "absl/synchronization/mutex.h"

namespace infaas {

inline void UseReleaseMutexChecks() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace infaas
