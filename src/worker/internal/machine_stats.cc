#include "worker/internal/machine_stats.h"

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

absl::StatusOr<CpuTimes> ParseProcStat(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.empty() || fields[0] != "cpu") continue;
    // cpu user nice system idle iowait irq softirq steal (guest, guest_nice
    // are already counted in user and nice).
    std::vector<uint64_t> ticks;
    for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
      uint64_t value = 0;
      if (!absl::SimpleAtoi(fields[i], &value)) break;
      ticks.push_back(value);
    }
    if (ticks.size() < 4) break;
    ticks.resize(8, 0);
    CpuTimes times;
    const uint64_t idle = ticks[3] + ticks[4];
    times.busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
    times.total = times.busy + idle;
    return times;
  }
  return absl::InvalidArgumentError(
      "/proc/stat: no aggregate \"cpu\" line with at least four numbers");
}

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

absl::StatusOr<CpuTimes> ReadCpuTimes() {
  ASSIGN_OR_RETURN(std::string text, ReadFile("/proc/stat"));
  return ParseProcStat(text);
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
