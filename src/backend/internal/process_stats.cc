#include "backend/internal/process_stats.h"

#include <time.h>
#include <unistd.h>

#include <fstream>

namespace infaas::backend::internal {
namespace {

absl::Duration ClockTime(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return absl::ZeroDuration();
  return absl::DurationFromTimespec(ts);
}

}  // namespace

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t total_pages = 0;
  int64_t resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

absl::Duration ProcessCpuTime() { return ClockTime(CLOCK_PROCESS_CPUTIME_ID); }

}  // namespace infaas::backend::internal
