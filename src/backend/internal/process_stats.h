#pragma once

// Process-level measurements used by the backends' load reports and by the
// benchmarks: resident memory and CPU time.
//
// Free functions; thread-safe (they read /proc and the kernel's clocks).

#include <cstdint>

#include "absl/time/time.h"

namespace infaas::backend::internal {

// Resident set size of this process in bytes (/proc/self/statm); 0 when it
// cannot be read.
int64_t ResidentBytes();

// CPU time consumed by all threads of this process so far
// (CLOCK_PROCESS_CPUTIME_ID).
absl::Duration ProcessCpuTime();

}  // namespace infaas::backend::internal
