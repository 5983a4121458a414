// Prometheus for real: Debian's prometheus server scrapes a live master's
// /metrics with the shipped recording rules (deploy/prometheus/rules), and
// the test reads back through Prometheus's HTTP API that SLO attainment,
// latency histograms, refusals and autoscaler actions arrived with sensible
// values.
//
// Skipped without /usr/bin/prometheus unless INFAAS_REQUIRE_EXTERNAL_TOOLS is
// set (scripts/test.sh sets it; scripts/install-deps.sh installs prometheus).

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::HttpGet;
using testing::TestCluster;

constexpr char kPrometheus[] = "/usr/bin/prometheus";

// A loopback port nothing listens on now.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrCat("%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

class PrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPrometheus)) {
      if (std::getenv("INFAAS_REQUIRE_EXTERNAL_TOOLS") != nullptr) {
        FAIL() << "INFAAS_REQUIRE_EXTERNAL_TOOLS is set but " << kPrometheus
               << " is missing (scripts/install-deps.sh installs Debian's prometheus)";
      }
      GTEST_SKIP() << "needs Debian's prometheus (apt-get install prometheus)";
    }
    auto cluster = TestCluster::Start({.workers = 1,
                                       .zoo_models = {"lenet5"},
                                       .master_flags = {"--autoscaler", "infaas"},
                                       .worker_cores = 1});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);

    // The shipped rules, evaluated every second rather than at their
    // production interval so that the test need not wait for it.
    const fs::path rules = cluster_->dir() / "rules";
    fs::create_directories(rules);
    for (const auto& e :
         fs::directory_iterator(TestCluster::SourceDir() / "deploy/prometheus/rules")) {
      std::ofstream(rules / e.path().filename())
          << absl::StrReplaceAll(testing::ReadBytes(e.path()), {{"interval: 15s", "interval: 1s"}});
    }
    const fs::path config = cluster_->dir() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                          << "rule_files:\n  - " << (rules / "*.yml").string() << "\n"
                          << "scrape_configs:\n  - job_name: infaas-master\n"
                          << "    static_configs:\n      - targets: ['"
                          << cluster_->metrics_address() << "']\n";
    address_ = absl::StrCat("127.0.0.1:", FreePort());
    auto prometheus = ChildProcess::Start(
        {kPrometheus, absl::StrCat("--config.file=", config.string()),
         absl::StrCat("--storage.tsdb.path=", (cluster_->dir() / "tsdb").string()),
         absl::StrCat("--web.listen-address=", address_)},
        cluster_->dir() / "logs/prometheus.log");
    ASSERT_TRUE(prometheus.ok()) << prometheus.status();
    prometheus_ = *std::move(prometheus);
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (HttpGet(address_, "/-/ready").status != 200) {
      ASSERT_LT(absl::Now(), deadline)
          << "prometheus did not become ready; see " << (cluster_->dir() / "logs/prometheus.log");
      absl::SleepFor(absl::Milliseconds(200));
    }
  }

  // The value of an instant query's single sample, polled until `accept`
  // holds or `timeout` passes; NaN when it never returned one.
  double QueryUntil(const std::string& promql, const std::function<bool(double)>& accept,
                    absl::Duration timeout = absl::Seconds(60)) {
    const absl::Time deadline = absl::Now() + timeout;
    double value = std::nan("");
    do {
      testing::HttpReply r = HttpGet(address_, "/api/v1/query?query=" + UrlEncode(promql));
      if (r.status == 200) {
        const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
        if (!body.is_discarded() && body["data"]["result"].size() == 1) {
          value = std::stod(body["data"]["result"][0]["value"][1].get<std::string>());
          if (accept(value)) return value;
        }
      }
      absl::SleepFor(absl::Milliseconds(500));
    } while (absl::Now() < deadline);
    return value;
  }

  absl::Status Query(const v1::QueryOnlineRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::QueryOnlineResponse response;
    const grpc::Status s = cluster_->api()->QueryOnline(&context, request, &response);
    return s.ok() ? absl::OkStatus() : absl::UnknownError(s.error_message());
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string address_;
  std::unique_ptr<ChildProcess> prometheus_;
};

TEST_F(PrometheusTest, ScrapesSloAttainmentLatencyRefusalsAndAutoscalerActions) {
  v1::QueryOnlineRequest query;
  query.set_architecture("lenet5");
  query.set_latency_slo_ms(5000);
  query.add_inputs()->set_encoded_image(testing::ReadBytes(testing::SampleImages()[0]));
  // In two halves, the second sent only once Prometheus has scraped the
  // first: the 1-minute rates then see the counters rise even when a busy
  // machine delays scrapes (a series first seen at its final value has no
  // rate). The first query may find nothing loaded and be told to retry.
  int answered = 0;
  auto answer = [&](int until) {
    for (int i = 0; i < 100 && answered < until; ++i) {
      if (Query(query).ok()) ++answered;
      absl::SleepFor(absl::Milliseconds(200));
    }
  };
  answer(15);
  ASSERT_EQ(answered, 15);
  EXPECT_GE(QueryUntil("sum(infaas_slo_attained_total)", [](double v) { return v >= 15; }), 15);
  answer(30);
  ASSERT_EQ(answered, 30);
  v1::QueryOnlineRequest impossible = query;
  impossible.set_min_accuracy_percent(99.999);
  impossible.clear_architecture();
  impossible.set_task("classification");
  impossible.set_dataset("fashion-mnist");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Query(impossible).ok());

  EXPECT_GE(QueryUntil("sum(infaas_slo_attained_total)", [](double v) { return v >= 30; }), 30);
  // Every answer was within its 5 s target: the recording rule says 100%.
  EXPECT_NEAR(
      QueryUntil("cluster:infaas_slo_attainment:ratio_rate1m", [](double v) { return v > 0.99; }),
      1.0, 0.01);
  EXPECT_GT(QueryUntil("sum(variant:infaas_goodput:rate1m)", [](double v) { return v > 0; }), 0);
  // The median request took more than nothing and less than its target.
  const double median = QueryUntil(
      "histogram_quantile(0.5, sum by (le) (nv_inference_request_duration_seconds_bucket))",
      [](double v) { return v > 0 && v < 5; });
  EXPECT_GT(median, 0);
  EXPECT_LT(median, 5);
  EXPECT_EQ(QueryUntil(R"(sum(nv_inference_request_failure_total{reason="failed_precondition"}))",
                       [](double v) { return v >= 3; }),
            3);
  // Serving lenet5 took a load, which the autoscaler carried out.
  EXPECT_GE(QueryUntil("sum(infaas_autoscaler_actions_total)", [](double v) { return v >= 1; }), 1);
  EXPECT_EQ(QueryUntil("infaas_workers_alive", [](double v) { return v == 1; }), 1);
}

}  // namespace
}  // namespace infaas
