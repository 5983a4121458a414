#pragma once

// What `infaas jobs` prints for offline jobs.
//
// A list (`infaas jobs`):
//   JOB                          STATE    DONE  FAILED  TOTAL  RATE/S  ETA  VARIANT
//   job-20250101-120000-3fa2c1   running   120       2    300    85.3   2s
//   vgg_mini_torchscript_cpu1_b8
//
// One job (`infaas jobs ID`): state, locations, requirements, variants
// used, counts, rate, ETA, times, and the failed inputs with their reasons.
//
// The ETA is the inputs still to do over the current rate, shown while a
// job runs and has a rate. Pure formatting; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::cli {

// "queued", "running", "done", "failed", "cancelled".
std::string JobStateName(v1::OfflineJob::State state);
// JobStateName, or "paused" for a running job waiting for its output
// disk (OfflineJob.paused_reason).
std::string JobStateLabel(const v1::OfflineJob& job);

// Inputs not yet done or failed over the rate; nullopt unless the job runs
// at a positive rate.
std::optional<absl::Duration> JobEta(const v1::OfflineJob& job);

// "120/300 done, 2 failed, 85.3/s, ETA 2s" (rate and ETA when known).
std::string JobProgressText(const v1::OfflineJob& job);

// The jobs as a table, or "no offline jobs" with how to submit one.
std::string FormatJobList(const std::vector<v1::OfflineJob>& jobs);

// One job in full; at most `max_failures` failed inputs are listed.
std::string FormatJobDetail(const v1::OfflineJob& job, int max_failures = 20);

}  // namespace infaas::cli
