#include "worker/internal/machine_stats.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::worker::internal {

absl::StatusOr<int64_t> ParseMeminfoBytes(absl::string_view text, absl::string_view field) {
  const std::string prefix = absl::StrCat(field, ":");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, prefix)) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t kib = 0;
    if (fields.empty() || !absl::SimpleAtoi(fields[0], &kib) ||
        (fields.size() > 1 && fields[1] != "kB")) {
      return absl::InvalidArgumentError(absl::StrCat("/proc/meminfo: cannot parse ", prefix, line));
    }
    return kib * 1024;
  }
  return absl::NotFoundError(
      absl::StrCat("/proc/meminfo has no ", field, " line (Linux 3.14 or later has MemAvailable)"));
}

absl::StatusOr<int64_t> ParseMemAvailable(absl::string_view text) {
  return ParseMeminfoBytes(text, "MemAvailable");
}

double CpuUtilization(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.busy < before.busy) return 0.0;
  const double busy = static_cast<double>(after.busy - before.busy);
  const double total = static_cast<double>(after.total - before.total);
  return std::clamp(busy / total, 0.0, 1.0);
}

CpuTimes ReadProcessCpuTimes(int cores) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto micros = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000 + static_cast<uint64_t>(t.tv_usec);
  };
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t wall =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
  return {.busy = micros(usage.ru_utime) + micros(usage.ru_stime),
          .total = wall * static_cast<uint64_t>(std::max(1, cores))};
}

absl::StatusOr<int64_t> ReadFreeMemoryBytes() {
  ASSIGN_OR_RETURN(std::string text, ReadFile("/proc/meminfo"));
  return ParseMemAvailable(text);
}

absl::StatusOr<int64_t> ReadTotalMemoryBytes() {
  ASSIGN_OR_RETURN(std::string text, ReadFile("/proc/meminfo"));
  return ParseMeminfoBytes(text, "MemTotal");
}

}  // namespace infaas::worker::internal
