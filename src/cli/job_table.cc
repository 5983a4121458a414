#include "cli/job_table.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/text_table.h"

namespace infaas::cli {
namespace {

int64_t Remaining(const v1::OfflineJob& job) {
  return std::max<int64_t>(0, job.items_total() - job.items_done() - job.items_failed());
}

std::string EtaText(const v1::OfflineJob& job) {
  std::optional<absl::Duration> eta = JobEta(job);
  if (!eta.has_value()) return "-";
  // Whole seconds: a progress display needs no more.
  return absl::FormatDuration(absl::Seconds(std::ceil(absl::ToDoubleSeconds(*eta))));
}

std::string RateText(const v1::OfflineJob& job) {
  return job.items_per_second() > 0 ? absl::StrFormat("%.1f", job.items_per_second()) : "-";
}

std::string TimeText(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(unix_ms),
                          absl::LocalTimeZone());
}

std::string RequirementsText(const v1::OfflineRequirements& r) {
  if (!r.variant().empty()) return absl::StrCat("variant ", r.variant());
  if (!r.architecture().empty()) return absl::StrCat("architecture ", r.architecture());
  std::string text = absl::StrCat("task ", r.task(), ", dataset ", r.dataset());
  if (r.min_accuracy_percent() > 0) {
    absl::StrAppendFormat(&text, ", accuracy >= %g%%", r.min_accuracy_percent());
  }
  return text;
}

}  // namespace

std::string JobStateName(v1::OfflineJob::State state) {
  switch (state) {
    case v1::OfflineJob::STATE_QUEUED:
      return "queued";
    case v1::OfflineJob::STATE_RUNNING:
      return "running";
    case v1::OfflineJob::STATE_DONE:
      return "done";
    case v1::OfflineJob::STATE_FAILED:
      return "failed";
    case v1::OfflineJob::STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

std::string JobStateLabel(const v1::OfflineJob& job) {
  if (job.state() == v1::OfflineJob::STATE_RUNNING && !job.paused_reason().empty()) {
    return "paused";
  }
  return JobStateName(job.state());
}

std::optional<absl::Duration> JobEta(const v1::OfflineJob& job) {
  if (job.state() != v1::OfflineJob::STATE_RUNNING || !(job.items_per_second() > 0)) {
    return std::nullopt;
  }
  return absl::Seconds(static_cast<double>(Remaining(job)) / job.items_per_second());
}

std::string JobProgressText(const v1::OfflineJob& job) {
  std::string text = absl::StrCat(job.items_done(), "/", job.items_total(), " done, ",
                                  job.items_failed(), " failed");
  if (job.items_per_second() > 0) absl::StrAppend(&text, ", ", RateText(job), "/s");
  if (JobEta(job).has_value()) absl::StrAppend(&text, ", ETA ", EtaText(job));
  return text;
}

std::string FormatJobList(const std::vector<v1::OfflineJob>& jobs) {
  if (jobs.empty()) {
    return "no offline jobs; submit one with: infaas offline INPUT_DIR OUTPUT_DIR ARCH\n";
  }
  std::vector<std::vector<std::string>> rows = {
      {"JOB", "STATE", "DONE", "FAILED", "TOTAL", "RATE/S", "ETA", "VARIANT"}};
  for (const v1::OfflineJob& job : jobs) {
    rows.push_back({job.id(), JobStateLabel(job), absl::StrCat(job.items_done()),
                    absl::StrCat(job.items_failed()), absl::StrCat(job.items_total()),
                    RateText(job), EtaText(job),
                    job.variants_used().empty() ? "-" : absl::StrJoin(job.variants_used(), ",")});
  }
  return FormatTextTable(rows, "LLRRRRRL");
}

std::string FormatJobDetail(const v1::OfflineJob& job, int max_failures) {
  std::string out;
  absl::StrAppend(&out, "job       ", job.id(), "\n");
  absl::StrAppend(&out, "state     ", JobStateLabel(job), "\n");
  if (!job.paused_reason().empty()) absl::StrAppend(&out, "why       ", job.paused_reason(), "\n");
  absl::StrAppend(&out, "input     ", job.input_url(), "\n");
  absl::StrAppend(&out, "output    ", job.output_url(), job.raw_output() ? " (raw tensors)" : "",
                  "\n");
  absl::StrAppend(&out, "runs on   ", RequirementsText(job.requirements()), "\n");
  absl::StrAppend(&out, "variants  ",
                  job.variants_used().empty() ? "-" : absl::StrJoin(job.variants_used(), ", "),
                  "\n");
  absl::StrAppend(&out, "progress  ", JobProgressText(job), "\n");
  absl::StrAppend(&out, "created   ", TimeText(job.created_at_unix_ms()), "\n");
  absl::StrAppend(&out, "started   ", TimeText(job.started_at_unix_ms()), "\n");
  absl::StrAppend(&out, "finished  ", TimeText(job.finished_at_unix_ms()), "\n");
  if (!job.error().empty()) absl::StrAppend(&out, "error     ", job.error(), "\n");
  if (job.failures_size() > 0) {
    absl::StrAppend(&out, "failed inputs:\n");
    for (int i = 0; i < job.failures_size() && i < max_failures; ++i) {
      absl::StrAppend(&out, "  ", job.failures(i).input(), ": ", job.failures(i).reason(), "\n");
    }
    if (job.failures_size() > max_failures) {
      absl::StrAppend(&out, "  ... and ", job.failures_size() - max_failures,
                      " more (all in the summary file)\n");
    }
  }
  return out;
}

}  // namespace infaas::cli
