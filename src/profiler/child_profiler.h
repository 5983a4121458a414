#pragma once

// The isolated profiler: each instance of a model being registered is
// measured in its own infaas-profiler process, with a wall-time limit and
// an address-space limit, so that a model file that hangs, crashes or
// exhausts memory fails its registration and nothing else.
//
//   RegistrationOptions options;
//   options.measure = ChildProcessMeasurer({.binary = bin / "infaas-profiler",
//                                           .time_limit = absl::Minutes(10),
//                                           .memory_limit_bytes = int64_t{8} << 30});
//
// The child reads the job (profile_job.h) from its stdin and answers on its
// stdout, over a local socket; it dies with its parent. Its logs go to the
// parent's stderr. Thread-safe: concurrent calls run separate children.

#include <cstdint>
#include <filesystem>

#include "absl/time/time.h"
#include "profiler/profiler.h"

namespace infaas::profiler {

struct ChildLimits {
  std::filesystem::path binary{};  // the infaas-profiler executable
  // Past this the child is killed: DEADLINE_EXCEEDED.
  absl::Duration time_limit = absl::Minutes(10);
  // The child's address space (RLIMIT_AS, its engines' libraries included);
  // 0 = unlimited. Allocations past it fail: RESOURCE_EXHAUSTED.
  int64_t memory_limit_bytes = int64_t{8} << 30;
};

// Measures one instance in a child process. Errors: the measurement's own
// (a model that does not load, a bad validation example: as MeasureInstance
// reports them); DEADLINE_EXCEEDED past the time limit; RESOURCE_EXHAUSTED
// when the child ran out of its memory limit; INTERNAL when it crashed or
// answered nothing (its signal or exit status named); NOT_FOUND when the
// binary is missing. Each message names the model, framework and threads.
absl::StatusOr<InstanceMeasurement> MeasureInChild(const v1::ModelConfig& config,
                                                   const std::filesystem::path& model_dir,
                                                   int cpu_threads, const ProfileOptions& options,
                                                   const ValidationSet* validation,
                                                   const ChildLimits& limits);

// MeasureInChild with `limits`, as an InstanceMeasurer.
InstanceMeasurer ChildProcessMeasurer(ChildLimits limits);

}  // namespace infaas::profiler
