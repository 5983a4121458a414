// The web dashboard end to end: a real master (API keys required, the infaas
// autoscaler on) and a real worker, and the page in headless Chromium driven
// by tests/browser/dashboard.mjs (playwright-core with Debian's chromium).
// The page must load without console errors, show the workers, answer a
// playground query with the sample's true class, show the alternatives to an
// impossible request, list an offline job, and show an autoscaler action
// after a load step. Screenshots of every view land in
// build/test-artefacts/dashboard/.
//
// Without node, chromium or tests/browser/node_modules the test is skipped,
// saying what to install — unless INFAAS_REQUIRE_EXTERNAL_TOOLS is set, as
// scripts/test.sh (and so CI) sets it after installing them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"
#include "profiler/validation_set.h"
#include "testing/child_process.h"
#include "testing/test_cluster.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::TestCluster;

constexpr char kChromium[] = "/usr/bin/chromium";
constexpr char kNode[] = "/usr/bin/node";
constexpr char kSample[] = "sneaker_0009.png";

fs::path BrowserTests() { return TestCluster::SourceDir() / "tests/browser"; }

// What is missing to run the browser, or empty.
std::string MissingBrowserParts() {
  std::vector<std::string> missing;
  if (!fs::exists(kNode)) missing.push_back("node (apt-get install nodejs npm)");
  if (!fs::exists(kChromium)) missing.push_back("chromium (apt-get install chromium)");
  if (!fs::exists(BrowserTests() / "node_modules/playwright-core")) {
    missing.push_back("playwright-core (npm ci --prefix tests/browser)");
  }
  return absl::StrJoin(missing, ", ");
}

// Eight zoo samples for resnet_mini's ONNX variant within 50 ms: a load one
// 1-core instance cannot keep up with at 120 queries a second (as in
// autoscaling_test).
v1::QueryOnlineRequest LoadStepQuery() {
  v1::QueryOnlineRequest request;
  request.set_variant("resnet_mini_onnx_cpu1_b8");
  request.set_latency_slo_ms(50);
  for (const fs::path& sample : testing::SampleImages()) {
    if (request.inputs_size() == 8) break;
    request.add_inputs()->set_encoded_image(testing::ReadBytes(sample));
  }
  return request;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = MissingBrowserParts(); !missing.empty()) {
      if (std::getenv("INFAAS_REQUIRE_EXTERNAL_TOOLS") != nullptr) {
        FAIL() << "INFAAS_REQUIRE_EXTERNAL_TOOLS is set but these are missing: " << missing
               << " (scripts/install-deps.sh installs them)";
      }
      GTEST_SKIP() << "the browser tests need " << missing;
    }
    auto cluster =
        TestCluster::Start({.workers = 1,
                            .zoo_models = {"lenet5", "resnet_mini"},
                            .master_flags = {"--autoscaler", "infaas", "--max-workers", "2",
                                             "--worker-cores", "1", "--scale-time-scale", "0.25"},
                            .worker_cores = 1,
                            .secure = true});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    artefacts_ = TestCluster::BinaryDir() / "test-artefacts/dashboard";
    fs::remove_all(artefacts_);
    fs::create_directories(artefacts_);
  }

  // Reads the script's lines until one starts with `want` (or it says FAIL
  // or stops), keeping every line for the failure message.
  absl::Status AwaitLine(ChildProcess* script, absl::string_view want, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      absl::StatusOr<std::string> line = script->ReadLine(deadline - absl::Now());
      if (!line.ok()) return line.status();
      lines_.push_back(*line);
      if (absl::StartsWith(*line, want)) return absl::OkStatus();
      if (absl::StartsWith(*line, "FAIL")) return absl::InternalError(*line);
    }
  }

  void SubmitOfflineJob() {
    v1::SubmitOfflineJobRequest request;
    request.set_input_url(
        absl::StrCat("file://", (TestCluster::SourceDir() / "models/zoo/samples").string()));
    request.set_output_url(absl::StrCat("file://", (cluster_->dir() / "job-results").string()));
    request.mutable_requirements()->set_architecture("lenet5");
    grpc::ClientContext context;
    v1::SubmitOfflineJobResponse response;
    const grpc::Status s = cluster_->api()->SubmitOfflineJob(&context, request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::unique_ptr<TestCluster> cluster_;
  fs::path artefacts_;
  std::vector<std::string> lines_;
};

TEST_F(DashboardTest, ShowsTheClusterAnswersQueriesAndTheAutoscalersActionsInABrowser) {
  SubmitOfflineJob();
  const fs::path sample = TestCluster::SourceDir() / "models/zoo/samples" / kSample;
  const std::vector<std::string> labels =
      *profiler::ReadLabelFile((TestCluster::SourceDir() / "models/zoo/labels.txt").string());
  const std::string expected_label = labels.at(testing::TrueClassOf(sample));
  auto script = ChildProcess::Start(
      {"/usr/bin/env", absl::StrCat("DASHBOARD_URL=http://", cluster_->http_address(), "/ui/"),
       absl::StrCat("SAMPLE_IMAGE=", sample.string()),
       absl::StrCat("EXPECTED_LABEL=", expected_label), "ARCHITECTURE=lenet5",
       absl::StrCat("ARTEFACTS=", artefacts_.string()),
       absl::StrCat("API_KEY=", cluster_->admin_key()), kNode,
       (BrowserTests() / "dashboard.mjs").string()},
      artefacts_ / "browser.log");
  ASSERT_TRUE(script.ok()) << script.status();

  absl::Status ready = AwaitLine(script->get(), "READY_FOR_LOAD", absl::Minutes(3));
  ASSERT_TRUE(ready.ok()) << ready << "\n" << absl::StrJoin(lines_, "\n");

  // The load step: nothing, then 120 queries a second for 8 seconds.
  std::ofstream(artefacts_ / "load-started") << absl::ToUnixMillis(absl::Now()) << "\n";
  loadgen::LoadRecorder recorder(absl::Seconds(1), 0);
  ASSERT_TRUE(
      loadgen::RunOpenLoopLoad(cluster_->api(), LoadStepQuery(),
                               {.arrivals = loadgen::PoissonArrivals({{120, absl::Seconds(8)}}, 1),
                                .timeout = absl::Seconds(30)},
                               &recorder)
          .ok());
  std::ofstream(artefacts_ / "load-finished") << absl::ToUnixMillis(absl::Now()) << "\n";
  EXPECT_GT(recorder.Report().total.ok, 0) << loadgen::FormatReportText(recorder.Report());

  absl::Status passed = AwaitLine(script->get(), "PASS", absl::Minutes(3));
  EXPECT_TRUE(passed.ok()) << passed << "\n" << absl::StrJoin(lines_, "\n");
  for (const char* view : {"cluster", "catalogue", "playground", "playground-impossible", "jobs",
                           "cluster-after-load", "slo-by-family", "autoscaler", "slo"}) {
    EXPECT_TRUE(fs::exists(artefacts_ / absl::StrCat(view, ".png"))) << view;
  }
}

}  // namespace
}  // namespace infaas
