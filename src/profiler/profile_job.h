#pragma once

// The message form of one instance measurement (infaas/v1/profile_job.proto)
// and the child side of the isolated profiler: the infaas-profiler process
// reads a ProfileJob, runs MeasureInstance and writes a ProfileJobResult.
//
//   v1::ProfileJob job = ProfileJobFor(config, dir, 2, options, &validation);
//   ... in the child:  return RunProfileJob(/*in=*/0, /*out=*/result_fd);
//   ... in the parent: ASSIGN_OR_RETURN(InstanceMeasurement m, MeasurementOf(result));
//
// Pure conversions, thread-safe; RunProfileJob runs on the calling thread.

#include <cstdint>
#include <filesystem>

#include "absl/status/statusor.h"
#include "infaas/v1/profile_job.pb.h"
#include "profiler/profiler.h"

namespace infaas::profiler {

// The largest ProfileJob a child reads (its validation set is most of it).
inline constexpr size_t kMaxProfileJobBytes = size_t{512} << 20;

// `memory_limit_bytes`: the address space the child limits itself to
// before loading the model (0: none).
v1::ProfileJob ProfileJobFor(const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                             int cpu_threads, const ProfileOptions& options,
                             const ValidationSet* validation, int64_t memory_limit_bytes = 0);

v1::ProfileJobResult ResultOf(const absl::StatusOr<InstanceMeasurement>& measured);

// The measurement, or the error the child reported (its code and message).
absl::StatusOr<InstanceMeasurement> MeasurementOf(const v1::ProfileJobResult& result);

// Reads a serialized ProfileJob from `in_fd` until end of file, sets its
// memory limit and no core dumps on this process, measures it
// and writes the serialized ProfileJobResult to `out_fd`. Returns the
// process exit status: 0 when a result was written (even an error result),
// 1 when the job could not be read or the result not written.
int RunProfileJob(int in_fd, int out_fd);

}  // namespace infaas::profiler
