#pragma once

// What a worker reports about its machine: CPU utilisation of the whole
// machine (from /proc/stat), memory available to new work (MemAvailable
// in /proc/meminfo) and its total memory (MemTotal).
//
//   ASSIGN_OR_RETURN(CpuTimes before, ReadCpuTimes());
//   ... later ...
//   ASSIGN_OR_RETURN(CpuTimes after, ReadCpuTimes());
//   double busy = CpuUtilization(before, after);   // 0..1 over all cores
//
// Free functions without state; thread-safe. The parsers take the file's
// text so that tests can feed them samples.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::worker::internal {

// Cumulative CPU time of all cores, in the kernel's clock ticks.
struct CpuTimes {
  // user + nice + system + irq + softirq + steal.
  uint64_t busy = 0;
  // busy + idle + iowait.
  uint64_t total = 0;
};

// Parses the aggregate "cpu ..." line of /proc/stat. InvalidArgument when
// it is missing or has fewer than four numbers.
absl::StatusOr<CpuTimes> ParseProcStat(absl::string_view text);

// Parses "MemAvailable: N kB" of /proc/meminfo into bytes. NotFound when
// the line is missing; InvalidArgument when it does not parse.
absl::StatusOr<int64_t> ParseMemAvailable(absl::string_view text);

// Parses the line "<field>: N kB" of /proc/meminfo into bytes; errors as
// ParseMemAvailable's.
absl::StatusOr<int64_t> ParseMeminfoBytes(absl::string_view text, absl::string_view field);

// Share of CPU time spent busy between two readings, in [0, 1]; 0 when no
// time passed between them.
double CpuUtilization(const CpuTimes& before, const CpuTimes& after);

// Reads /proc/stat and /proc/meminfo.
absl::StatusOr<CpuTimes> ReadCpuTimes();
absl::StatusOr<int64_t> ReadFreeMemoryBytes();
absl::StatusOr<int64_t> ReadTotalMemoryBytes();

}  // namespace infaas::worker::internal
