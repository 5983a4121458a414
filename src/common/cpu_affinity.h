#pragma once

// Pinning this process to a set of CPUs, so that a worker offering N cores
// (infaas-worker --cores N --cpus LIST) uses only those, and several workers
// can share a machine without sharing cores.
//
//   ASSIGN_OR_RETURN(std::vector<int> cpus, ParseCpuList("0-1,4"));
//   RETURN_IF_ERROR(PinProcessToCpus(cpus));   // before starting threads
//
// Linux only. ParseCpuList is pure; PinProcessToCpus affects the calling
// thread and every thread it starts afterwards.

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas {

// "3", "0-3", "0,2,4-5" → sorted, distinct CPU numbers. InvalidArgument
// naming the bad part.
absl::StatusOr<std::vector<int>> ParseCpuList(absl::string_view text);

// "0-1,4" for {0, 1, 4}: the form ParseCpuList reads.
std::string FormatCpuList(const std::vector<int>& cpus);

// InvalidArgument for an empty list or a CPU this machine does not have.
absl::Status PinProcessToCpus(const std::vector<int>& cpus);

}  // namespace infaas
