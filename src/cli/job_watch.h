#pragma once

// Following an offline job until it ends, for `infaas offline --wait` and
// `infaas jobs ID --wait`: polls the master and draws a progress bar on
// stderr (redrawn on a terminal, one line per state change elsewhere):
//
//   job-20250101-120000-3fa2c1 [########............]  40%  running  120/300 done, 0 failed,
//   85.3/s, ETA 3s
//
// Single-threaded; blocks the caller.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/master_client.h"

namespace infaas::cli {

// The job's current record; the call's error as MasterClient::CallError.
absl::StatusOr<v1::OfflineJob> FetchJob(MasterClient& master, const std::string& job_id);

// The job's record once it is done, failed or cancelled; the call's error
// (as MasterClient::CallError) if the master cannot be asked.
absl::StatusOr<v1::OfflineJob> FollowJob(MasterClient& master, const std::string& job_id,
                                         absl::Duration poll = absl::Milliseconds(500));

// One line for the end of a followed job:
//   job X done: 300/300 done, 2 failed; results in /out (summary: /out/infaas-summary.json)
std::string JobEndLine(const v1::OfflineJob& job);

}  // namespace infaas::cli
