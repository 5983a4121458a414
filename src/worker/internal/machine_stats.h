#pragma once

// What a worker reports about its resources: the CPU time this process used
// as a share of the cores it offers (several workers may share a machine,
// each offering some of its cores), and the machine's memory: available to new
// work (MemAvailable in /proc/meminfo) and in all (MemTotal).
//
//   CpuTimes before = ReadProcessCpuTimes(/*cores=*/2);
//   ... later ...
//   CpuTimes after = ReadProcessCpuTimes(2);
//   double busy = CpuUtilization(before, after);   // 0..1 of those 2 cores
//
// Free functions without state; thread-safe. The parsers take the file's
// text so that tests can feed them samples.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::worker::internal {

// Busy and available CPU time, in microseconds, counted from any origin.
struct CpuTimes {
  // CPU time used (user + system).
  uint64_t busy = 0;
  // CPU time available: wall time times the cores offered.
  uint64_t total = 0;
};

// Parses "MemAvailable: N kB" of /proc/meminfo into bytes. NotFound when
// the line is missing; InvalidArgument when it does not parse.
absl::StatusOr<int64_t> ParseMemAvailable(absl::string_view text);

// Parses the line "<field>: N kB" of /proc/meminfo into bytes; errors as
// ParseMemAvailable's.
absl::StatusOr<int64_t> ParseMeminfoBytes(absl::string_view text, absl::string_view field);

// Share of CPU time spent busy between two readings, in [0, 1]; 0 when no
// time passed between them.
double CpuUtilization(const CpuTimes& before, const CpuTimes& after);

// This process's CPU time (getrusage) against `cores` (>= 1) times the
// monotonic wall time.
CpuTimes ReadProcessCpuTimes(int cores);

// Reads /proc/meminfo.
absl::StatusOr<int64_t> ReadFreeMemoryBytes();
absl::StatusOr<int64_t> ReadTotalMemoryBytes();

}  // namespace infaas::worker::internal
