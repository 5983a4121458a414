// INFaaS beyond one machine (testing/hosts_cluster.h): Redis, two masters,
// three workers and a client, each on its own host (network namespace).
// Every master answers every query form; then, under a steady open-loop
// load from the client host through both masters, faults
// (testing/cluster_faults.h): a worker host cut off and healed, the
// leader killed while an offline job runs, the leader cut off from Redis,
// Redis restarted. Checked: no query lost; the cut-off worker's queries go
// elsewhere and it rejoins; another master leads within seconds each time,
// and a leader cut off from Redis stops before the other starts (never two
// leaders); the offline job ends done with every input's result exactly
// once; each fault's failed queries are few and the load recovers.
//
// Skipped, saying why, where namespaces cannot be made (not root, no `ip`)
// unless INFAAS_REQUIRE_NETNS=1 (scripts/test.sh in CI), then failed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "testing/cluster_faults.h"
#include "testing/hosts_cluster.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

using ::testing::HasSubstr;

TEST(TallyOutcomesTest, CountsEachQueryInTheWindowItWasSentIn) {
  const absl::Time t0 = absl::FromUnixMillis(10'000);
  const std::string csv =
      "sent_unix_ms,latency_ms,code,message\n"
      "10000,3.0,OK,\n"
      "10500,3.0,OK,\n"
      "11000,3.0,OK,\n"  // first of the fault window
      "11200,2000.0,UNAVAILABLE,worker gone\n"
      "11900,1.0,RESOURCE_EXHAUSTED,busy\n"
      "12100,0.0,LOST,\n"
      "12500,3.0,OK,\n";
  absl::StatusOr<std::vector<FaultFigures>> figures =
      TallyOutcomes(csv, {{"steady", t0}, {"worker cut", t0 + absl::Seconds(1)}});
  ASSERT_TRUE(figures.ok()) << figures.status();
  ASSERT_EQ(figures->size(), 2u);
  EXPECT_EQ((*figures)[0].sent, 2);
  EXPECT_EQ((*figures)[0].answered, 2);
  EXPECT_EQ((*figures)[0].time_to_recover, absl::ZeroDuration());
  const FaultFigures& cut = (*figures)[1];
  EXPECT_EQ(cut.sent, 5);
  EXPECT_EQ(cut.answered, 2);
  EXPECT_EQ(cut.failed, 1);
  EXPECT_EQ(cut.refused, 1);
  EXPECT_EQ(cut.lost, 1);
  EXPECT_EQ(cut.time_to_recover, absl::Milliseconds(1100));  // the lost one at 12.1 s
  EXPECT_EQ(cut.errors.at("UNAVAILABLE: worker gone"), 1);
  EXPECT_EQ(TallyOutcomes("h\nnot,a,row\n", {{"x", t0}}).status().code(),
            absl::StatusCode::kDataLoss);
}

// Every master answers forms 1, 2 and 3 (infaas.v1 through the CLI), the
// KServe v2 protocol and the /v1 REST API over HTTP (curl), each from the
// client host.
void ExpectEveryMasterAnswersEveryForm(HostsCluster& cluster) {
  const std::string image =
      (TestCluster::SourceDir() / "models/zoo/samples/ankle_boot_0000.png").string();
  absl::StatusOr<std::string> png = ReadFile(image);
  ASSERT_TRUE(png.ok()) << png.status();
  const std::string body = absl::StrCat(
      R"({"parameters": {"latency_ms": 500}, "inputs": [{"name": "input", "shape": [1], )",
      R"("datatype": "BYTES", "parameters": {"content_type": "base64"}, "data": [")",
      absl::Base64Escape(*png), R"("]}]})");
  for (int m = 0; m < cluster.masters(); ++m) {
    SCOPED_TRACE(HostsCluster::MasterHost(m));
    absl::StatusOr<std::string> form2 =
        cluster.ClientOf(m, {"query", "-a", "lenet5", "-l", "500", "-i", image, "--json"});
    ASSERT_TRUE(form2.ok()) << form2.status();
    const nlohmann::json answer = nlohmann::json::parse(*form2, nullptr, false);
    ASSERT_FALSE(answer.is_discarded()) << *form2;
    const std::string variant = answer.value("variant", "");
    ASSERT_TRUE(absl::StartsWith(variant, "lenet5")) << *form2;
    absl::StatusOr<std::string> form1 = cluster.ClientOf(m, {"query", "-v", variant, "-i", image});
    ASSERT_TRUE(form1.ok()) << form1.status();
    EXPECT_THAT(*form1, HasSubstr("Ankle boot"));
    absl::StatusOr<std::string> form3 =
        cluster.ClientOf(m, {"query", "-t", "classification", "-D", "fashion-mnist", "-A", "0.5",
                             "-l", "500", "-i", image});
    ASSERT_TRUE(form3.ok()) << form3.status();
    EXPECT_THAT(*form3, HasSubstr("Ankle boot"));
    absl::StatusOr<std::string> kserve = cluster.hosts().Run(
        "client",
        {"curl", "-sS", "--fail-with-body", "-H", "Content-Type: application/json", "--data-binary",
         body,
         absl::StrCat("http://", cluster.hosts().Address(HostsCluster::MasterHost(m)),
                      ":8000/v2/models/lenet5/infer")},
        absl::Seconds(20));
    ASSERT_TRUE(kserve.ok()) << kserve.status();
    EXPECT_THAT(*kserve, HasSubstr("\"outputs\""));
    absl::StatusOr<std::string> rest = cluster.hosts().Run(
        "client",
        {"curl", "-sS", "--fail-with-body",
         absl::StrCat("http://", cluster.hosts().Address(HostsCluster::MasterHost(m)),
                      ":8000/v1/architectures?task=classification&dataset=fashion-mnist")},
        absl::Seconds(20));
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_THAT(*rest, HasSubstr("lenet5"));
  }
}

TEST(ClusterFaultsTest, FaultsCostNoQueryAndLeadershipMovesWithinSeconds) {
  absl::StatusOr<std::unique_ptr<HostsCluster>> cluster = HostsCluster::Start({});
  if (absl::IsUnavailable(cluster.status()) && !NetnsHosts::Required()) {
    GTEST_SKIP() << "no hosts here: " << cluster.status().message();
  }
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ExpectEveryMasterAnswersEveryForm(**cluster);
  absl::StatusOr<ClusterFaultReport> report = RunClusterFaults(**cluster, {});
  ASSERT_TRUE(report.ok()) << report.status();
  std::cout << FormatFaultTable(*report);

  ASSERT_EQ(report->windows.size(), 5u);
  for (const FaultFigures& f : report->windows) {
    EXPECT_GT(f.sent, 0) << f.fault;
    EXPECT_EQ(f.lost, 0) << f.fault << ": every query gets an answer or an error";
    // Few failures, and none after the cluster settled.
    EXPECT_GE(f.answered, f.sent * 8 / 10) << f.fault;
    EXPECT_LT(f.time_to_recover, absl::Seconds(8)) << f.fault;
  }
  EXPECT_EQ(report->windows[0].answered, report->windows[0].sent) << "steady state loses nothing";
  EXPECT_EQ(report->windows[4].answered, report->windows[4].sent)
      << "a Redis restart costs no query: the masters serve from what they hold";
  EXPECT_TRUE(report->worker_rejoined);
  EXPECT_LT(report->new_leader_after_kill, absl::Seconds(8));
  EXPECT_LT(report->new_leader_after_cut, absl::Seconds(8));
  EXPECT_TRUE(report->cut_leader_stepped_down);
  EXPECT_GT(report->handover_gap, absl::ZeroDuration()) << "two masters led at once";
  // The job survived its leader: each input's result exactly once.
  EXPECT_EQ(report->offline_results, report->offline_inputs);
  EXPECT_EQ(report->offline_items_done, report->offline_inputs);
  EXPECT_TRUE(report->offline_summary_done);
}

}  // namespace
}  // namespace infaas::testing
