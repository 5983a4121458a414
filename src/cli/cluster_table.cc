#include "cli/cluster_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "cli/text_table.h"

namespace infaas::cli {
namespace {

std::string WorkersTable(const v1::ClusterStatus& status) {
  std::vector<std::vector<std::string>> rows = {
      {"WORKER", "ADDRESS", "ALIVE", "CPU %", "FREE MB", "CORES", "VARIANTS"}};
  for (const v1::WorkerStatus& w : status.workers()) {
    rows.push_back({w.id(), w.address(), w.draining() ? "draining" : (w.alive() ? "yes" : "no"),
                    absl::StrFormat("%.1f", w.cpu_utilization() * 100),
                    absl::StrCat(w.free_memory_bytes() >> 20), absl::StrCat(w.cores()),
                    absl::StrCat(w.variants_size())});
  }
  return FormatTextTable(rows, "LLL");
}

std::string VariantsTable(const v1::ClusterStatus& status) {
  std::vector<std::vector<std::string>> rows = {{"WORKER", "VARIANT", "INSTANCES", "QUEUE", "QPS",
                                                 "EXEC MS", "P50 MS", "P99 MS",
                                                 "PRED ERR P50/P90"}};
  for (const v1::WorkerStatus& w : status.workers()) {
    for (const v1::LoadedVariantStatus& v : w.variants()) {
      rows.push_back(
          {w.id(), v.variant(), absl::StrCat(v.instances()), absl::StrCat(v.queue_length()),
           absl::StrFormat("%.1f", v.qps()), absl::StrFormat("%.3f", v.execution_ms()),
           absl::StrFormat("%.3f", v.p50_latency_ms()), absl::StrFormat("%.3f", v.p99_latency_ms()),
           absl::StrFormat("%.0f%%/%.0f%%", v.prediction_error_p50() * 100,
                           v.prediction_error_p90() * 100)});
    }
  }
  if (rows.size() == 1) return "no variants loaded (a query loads what it needs)\n";
  return FormatTextTable(rows, "LL");
}

// "leader: m-2/8812 (this master)": only said when the master told.
std::string LeaderLine(const v1::ClusterStatus& status) {
  if (status.master().empty()) return "";
  if (status.leader().empty()) return "\nleader: none now (masters are failing over)\n";
  return absl::StrCat("\nleader: ", status.leader(),
                      status.leader() == status.master()
                          ? " (this master)"
                          : absl::StrCat(" (asked: ", status.master(), ")"),
                      "\n");
}

// "autoscaler: infaas" and its last actions, newest last.
std::string ScalingLines(const v1::ClusterStatus& status) {
  if (status.autoscaler().empty()) return absl::StrCat(LeaderLine(status), "\nautoscaler: off\n");
  std::string out = absl::StrCat(LeaderLine(status), "\nautoscaler: ", status.autoscaler(), "\n");
  constexpr int kShown = 8;
  const int first = std::max(0, status.recent_scaling_size() - kShown);
  for (int i = first; i < status.recent_scaling_size(); ++i) {
    const v1::ScalingEvent& e = status.recent_scaling(i);
    absl::StrAppend(
        &out, "  ",
        absl::FormatTime("%H:%M:%S", absl::FromUnixMillis(e.at_unix_ms()), absl::LocalTimeZone()),
        "  ", e.action(), "\n");
  }
  return out;
}

}  // namespace

std::string FormatClusterStatus(const v1::ClusterStatus& status) {
  if (status.workers_size() == 0) {
    return absl::StrCat("no workers registered with the master\n", ScalingLines(status));
  }
  return absl::StrCat(WorkersTable(status), "\n", VariantsTable(status), ScalingLines(status));
}

}  // namespace infaas::cli
