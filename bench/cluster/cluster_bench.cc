// bench/cluster: INFaaS beyond one machine, faults measured under load.
//
// Redis, two masters, three workers and a client, each on its own host (a
// network namespace with its own address, tests/testing/netns_hosts.h), a
// steady open-loop load (Poisson, lenet5 by architecture) from the client
// host through both masters with failover. Faults, one after the other,
// each held --hold-s then undone and given --settle-s:
//   worker-1 cut off       its link down: no packet in or out;
//   leader killed          SIGKILL, while an offline job runs on it;
//                          started again afterwards (as a follower);
//   leader cut from Redis  packets between it and Redis vanish: it must
//                          stop leading before its lease lapses;
//   Redis restarted        SIGTERM, then the same server on its AOF.
// Per fault: queries sent, answered, refused, failed, lost (goal 0) and the
// time from the fault to the last query it cost; then the failover and
// offline-job figures beside their goals. Needs root (namespaces).
//
//   build/bin/infaas_bench_cluster [--qps 40] [--hold-s 6] [--settle-s 6] [--inputs 3000]

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_format.h"
#include "testing/cluster_faults.h"
#include "testing/hosts_cluster.h"

namespace {

using namespace infaas;

std::string Met(bool met) { return met ? "met" : "NOT MET"; }

}  // namespace

int main(int argc, char** argv) {
  testing::ClusterFaultOptions options;
  options.rate_qps = 40;
  options.hold = absl::Seconds(6);
  options.settle = absl::Seconds(6);
  options.offline_inputs = 3000;
  double hold_s = 6, settle_s = 6, lease_s = 2;
  CLI::App app("bench/cluster: faults on a multi-host INFaaS under load", "infaas_bench_cluster");
  app.add_option("--qps", options.rate_qps, "open-loop load (Poisson)")->capture_default_str();
  app.add_option("--hold-s", hold_s, "how long each fault lasts")->capture_default_str();
  app.add_option("--settle-s", settle_s, "time after each fault is undone")->capture_default_str();
  app.add_option("--inputs", options.offline_inputs, "offline job inputs (0: no job)")
      ->capture_default_str();
  app.add_option("--lease-s", lease_s, "the masters' --leader-lease-ms, in seconds")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.hold = absl::Seconds(hold_s);
  options.settle = absl::Seconds(settle_s);

  testing::HostsClusterOptions cluster_options;
  cluster_options.leader_lease = absl::Seconds(lease_s);
  absl::StatusOr<std::unique_ptr<testing::HostsCluster>> cluster =
      testing::HostsCluster::Start(cluster_options);
  if (!cluster.ok()) {
    std::cerr << "infaas_bench_cluster: " << cluster.status().message() << "\n";
    return 1;
  }
  std::cout << absl::StrFormat(
      "hosts: redis, 2 masters (lease %.1f s), 3 workers (1 core), client; %.0f q/s of lenet5\n",
      lease_s, options.rate_qps);
  absl::StatusOr<testing::ClusterFaultReport> report =
      testing::RunClusterFaults(**cluster, options);
  if (!report.ok()) {
    std::cerr << "infaas_bench_cluster: " << report.status().message() << "\n";
    return 1;
  }
  std::cout << testing::FormatFaultTable(*report) << "\n";
  int64_t lost = 0;
  for (const testing::FaultFigures& f : report->windows) lost += f.lost;
  const absl::Duration goal = absl::Seconds(lease_s) + absl::Seconds(2);
  std::cout << absl::StrFormat("%-44s %12s %14s %s\n", "figure", "measured", "goal", "");
  std::cout << absl::StrFormat("%-44s %12d %14s %s\n", "queries lost (all faults)", lost, "0",
                               Met(lost == 0));
  std::cout << absl::StrFormat("%-44s %10.2f s %12s %s\n", "new leader after the leader was killed",
                               absl::ToDoubleSeconds(report->new_leader_after_kill),
                               absl::StrFormat("<= %.1f s", absl::ToDoubleSeconds(goal)),
                               Met(report->new_leader_after_kill <= goal));
  std::cout << absl::StrFormat("%-44s %10.2f s %12s %s\n", "new leader after the leader lost Redis",
                               absl::ToDoubleSeconds(report->new_leader_after_cut),
                               absl::StrFormat("<= %.1f s", absl::ToDoubleSeconds(goal)),
                               Met(report->new_leader_after_cut <= goal));
  std::cout << absl::StrFormat("%-44s %10.2f s %12s %s\n",
                               "cut-off leader stopped before the next began",
                               absl::ToDoubleSeconds(report->handover_gap), "> 0 s",
                               Met(report->handover_gap > absl::ZeroDuration()));
  std::cout << absl::StrFormat(
      "%-44s %12s %14s %s\n", "offline job: results / inputs",
      absl::StrFormat("%d/%d", report->offline_results, report->offline_inputs), "all, once",
      Met(report->offline_results == report->offline_inputs && report->offline_summary_done &&
          report->offline_items_done == report->offline_inputs));
  return 0;
}
