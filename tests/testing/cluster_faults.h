#pragma once

// Faults on a multi-host INFaaS under steady load, measured: a worker host
// cut off and healed, the leader master killed (with an offline job
// running), the leader cut off from Redis, Redis restarted. The load is an
// open-loop `infaas-bench` on the client host against every master
// (failing over between them); each query is attributed to the fault
// window in which it was sent. Shared by tests/cluster_test.cc (which
// asserts on the report) and bench/cluster (which prints it).
//
//   ASSIGN_OR_RETURN(auto cluster, HostsCluster::Start({}));
//   ASSIGN_OR_RETURN(ClusterFaultReport report, RunClusterFaults(*cluster, {}));
//   std::cout << FormatFaultTable(report);

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "testing/hosts_cluster.h"

namespace infaas::testing {

struct ClusterFaultOptions {
  double rate_qps = 20;
  std::string architecture = "lenet5";
  double slo_ms = 1000;
  absl::Duration warmup = absl::Seconds(4);
  absl::Duration hold = absl::Seconds(5);    // how long each fault lasts
  absl::Duration settle = absl::Seconds(5);  // after each fault is undone
  int offline_inputs = 1500;                 // 0: no offline job
};

// The queries sent during one window, by outcome.
struct FaultFigures {
  std::string fault;
  int64_t sent = 0;
  int64_t answered = 0;  // OK
  int64_t refused = 0;   // RESOURCE_EXHAUSTED: said at once, retry later
  int64_t failed = 0;    // any other error
  int64_t lost = 0;      // never answered at all
  // From the fault to the last query it cost (sent then and not answered
  // OK); zero when it cost none.
  absl::Duration time_to_recover = absl::ZeroDuration();
  std::map<std::string, int64_t> errors;  // by code and first words of the message
  std::string note;                       // what else was measured in the window
};

struct ClusterFaultReport {
  std::vector<FaultFigures> windows;  // "steady" first, then one per fault
  // Leader failover: from the kill (or the cut) until another master led.
  absl::Duration new_leader_after_kill = absl::InfiniteDuration();
  absl::Duration new_leader_after_cut = absl::InfiniteDuration();
  // The cut-off leader's log says it stopped leading this long before the
  // other master's log says it took over (> 0: never two leaders).
  absl::Duration handover_gap = -absl::InfiniteDuration();
  bool cut_leader_stepped_down = false;
  // The worker cut off heartbeats again after the heal (it rejoined).
  bool worker_rejoined = false;
  // The offline job submitted before the leader was killed.
  std::string offline_job;
  int offline_inputs = 0;
  int offline_results = 0;            // result files in its output folder
  bool offline_summary_done = false;  // infaas-summary.json says done, nothing failed
  int64_t offline_items_done = 0;     // as the summary counts them
};

absl::StatusOr<ClusterFaultReport> RunClusterFaults(HostsCluster& cluster,
                                                    const ClusterFaultOptions& options);

// One row per window: sent, answered, refused, failed, lost, time to
// recover, note; then the failover and offline figures.
std::string FormatFaultTable(const ClusterFaultReport& report);

// Counts `csv` (infaas-bench --outcomes-csv) into `windows` by send time;
// a window is [starts[i], starts[i + 1]). Exposed for its unit test.
struct FaultWindow {
  std::string fault;
  absl::Time start;
};
absl::StatusOr<std::vector<FaultFigures>> TallyOutcomes(const std::string& csv,
                                                        const std::vector<FaultWindow>& windows);

}  // namespace infaas::testing
