#include "cli/cluster_table.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace infaas::cli {
namespace {

v1::ClusterStatus TwoWorkersOneLoaded() {
  v1::ClusterStatus status;
  v1::WorkerStatus* w1 = status.add_workers();
  w1->set_id("worker-1");
  w1->set_address("127.0.0.1:40321");
  w1->set_alive(true);
  w1->set_cpu_utilization(0.035);
  w1->set_free_memory_bytes(int64_t{12034} << 20);
  w1->set_cores(16);
  v1::LoadedVariantStatus* v = w1->add_variants();
  v->set_variant("lenet5_torchscript_cpu1_b8");
  v->set_instances(2);
  v->set_queue_length(3);
  v->set_qps(12.04);
  v->set_p50_latency_ms(0.41);
  v->set_p99_latency_ms(0.9021);
  v->set_execution_ms(0.25);
  v->set_prediction_error_p50(0.08);
  v->set_prediction_error_p90(0.31);
  v1::WorkerStatus* w2 = status.add_workers();
  w2->set_id("worker-2");
  w2->set_address("127.0.0.1:40322");
  w2->set_alive(true);
  w2->set_cores(16);
  return status;
}

TEST(ClusterTableTest, ShowsOneRowPerWorkerAndPerLoadedVariant) {
  const std::string text = FormatClusterStatus(TwoWorkersOneLoaded());
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u) << text;
  EXPECT_TRUE(absl::StartsWith(lines[0], "WORKER    ADDRESS")) << text;
  EXPECT_TRUE(absl::StartsWith(lines[1], "worker-1  127.0.0.1:40321  yes")) << text;
  EXPECT_TRUE(absl::StrContains(lines[1], "3.5")) << text;    // CPU %
  EXPECT_TRUE(absl::StrContains(lines[1], "12034")) << text;  // free MB
  EXPECT_TRUE(absl::StartsWith(lines[3], "WORKER    VARIANT")) << text;
  EXPECT_TRUE(absl::StartsWith(lines[4], "worker-1  lenet5_torchscript_cpu1_b8")) << text;
  EXPECT_TRUE(absl::StrContains(lines[4], "12.0    0.250   0.410   0.902")) << text;
  EXPECT_TRUE(absl::StrContains(lines[4], "8%/31%")) << text;  // the latency model's error
  EXPECT_EQ(lines[5], "autoscaler: off") << text;
}

TEST(ClusterTableTest, ShowsTheAutoscalerItsLastActionsAndDrainingWorkers) {
  v1::ClusterStatus status = TwoWorkersOneLoaded();
  status.mutable_workers(1)->set_draining(true);
  status.set_autoscaler("infaas");
  for (int i = 0; i < 10; ++i) {
    v1::ScalingEvent* e = status.add_recent_scaling();
    e->set_at_unix_ms(1'000'000 + i);
    e->set_action(absl::StrCat("action ", i));
  }
  const std::string text = FormatClusterStatus(status);
  EXPECT_TRUE(absl::StrContains(text, "worker-2  127.0.0.1:40322  draining")) << text;
  EXPECT_TRUE(absl::StrContains(text, "autoscaler: infaas\n")) << text;
  // The last eight, oldest first.
  EXPECT_FALSE(absl::StrContains(text, "action 1\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "action 2\n")) << text;
  EXPECT_TRUE(absl::EndsWith(text, "action 9\n")) << text;
}

TEST(ClusterTableTest, NamesTheLeaderAmongSeveralMasters) {
  v1::ClusterStatus status = TwoWorkersOneLoaded();
  EXPECT_FALSE(absl::StrContains(FormatClusterStatus(status), "leader")) << "not told: not said";
  status.set_master("host-a/81/1f2e");
  status.set_leader("host-a/81/1f2e");
  EXPECT_TRUE(
      absl::StrContains(FormatClusterStatus(status), "leader: host-a/81/1f2e (this master)"));
  status.set_leader("host-b/90/aa01");
  EXPECT_TRUE(absl::StrContains(FormatClusterStatus(status),
                                "leader: host-b/90/aa01 (asked: host-a/81/1f2e)"));
  status.clear_leader();
  EXPECT_TRUE(absl::StrContains(FormatClusterStatus(status), "leader: none now"));
}

TEST(ClusterTableTest, SaysSoWhenNothingIsLoaded) {
  v1::ClusterStatus status = TwoWorkersOneLoaded();
  status.mutable_workers(0)->clear_variants();
  EXPECT_TRUE(absl::StrContains(FormatClusterStatus(status), "no variants loaded"));
}

TEST(ClusterTableTest, SaysSoWhenNoWorkerIsRegistered) {
  EXPECT_EQ(FormatClusterStatus(v1::ClusterStatus()),
            "no workers registered with the master\n\nautoscaler: off\n");
}

}  // namespace
}  // namespace infaas::cli
