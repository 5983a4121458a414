#include "cli/job_watch.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/job_table.h"
#include "cli/progress_bar.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

// Where the master writes a job's summary (offline/job_inputs.h).
constexpr char kSummaryFileName[] = "infaas-summary.json";

bool Ended(v1::OfflineJob::State state) {
  return state == v1::OfflineJob::STATE_DONE || state == v1::OfflineJob::STATE_FAILED ||
         state == v1::OfflineJob::STATE_CANCELLED;
}

}  // namespace

absl::StatusOr<v1::OfflineJob> FetchJob(MasterClient& master, const std::string& job_id) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::GetOfflineJobRequest request;
  request.set_job_id(job_id);
  v1::OfflineJob job;
  if (grpc::Status s = master.stub().GetOfflineJob(&context, request, &job); !s.ok()) {
    return master.CallError(s);
  }
  return job;
}

absl::StatusOr<v1::OfflineJob> FollowJob(MasterClient& master, const std::string& job_id,
                                         absl::Duration poll) {
  ProgressBar bar(job_id);
  while (true) {
    ASSIGN_OR_RETURN(const v1::OfflineJob job, FetchJob(master, job_id));
    const double fraction =
        job.items_total() > 0
            ? static_cast<double>(job.items_done() + job.items_failed()) / job.items_total()
            : 0.0;
    bar.Update(JobStateLabel(job), fraction, JobProgressText(job));
    if (Ended(job.state())) return job;
    absl::SleepFor(poll);
  }
}

std::string JobEndLine(const v1::OfflineJob& job) {
  std::string line =
      absl::StrCat("job ", job.id(), " ", JobStateLabel(job), ": ", JobProgressText(job));
  if (!job.error().empty()) absl::StrAppend(&line, "; ", job.error());
  if (job.state() != v1::OfflineJob::STATE_FAILED || job.started_at_unix_ms() > 0) {
    absl::StrAppend(&line, "; results in ", job.output_url(), " (summary: ", job.output_url(), "/",
                    kSummaryFileName, ")");
  }
  return line;
}

}  // namespace infaas::cli
