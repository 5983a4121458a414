// A catalogue beyond the original INFaaS's scale (it served 21
// architectures as 166 variants): the zoo's linear model plus 25 generated
// architectures of 8 variants each (sim/generated_catalogue.h), 26
// architectures in all, in a real SQLite store, a real
// master and worker. modarch, modinfo, selection and status must stay
// readable (limits, --json for scripts) and answer promptly; the time each
// command took is printed, not asserted (the machine is shared).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "sim/generated_catalogue.h"
#include "store/metadata_store.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

using json = nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kGenerated = 25;

class CatalogueScaleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = TestCluster::Start({.workers = 1, .zoo_models = {"linear"}});
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
    auto store = store::OpenMetadataStore(cluster_->store_url());
    ASSERT_TRUE(store.ok()) << store.status();
    const auto generated = sim::GenerateCatalogue({.architectures = kGenerated, .seed = 3});
    ASSERT_TRUE((*store)->PutVariants(generated->variants).ok());
    store->reset();
    // The master reads the catalogue at start.
    ASSERT_TRUE(cluster_->RestartMaster().ok());
    ASSERT_TRUE(cluster_->AwaitLiveWorkers(1, absl::Seconds(30)).ok());
  }
  static void TearDownTestSuite() { delete cluster_; }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }

  // Runs `infaas ARGS --master ...`; returns stdout (stderr to a log).
  static std::string Cli(const std::string& args) {
    const std::string out = (cluster_->dir() / "cli.out").string();
    const absl::Time start = absl::Now();
    const int rc = std::system(absl::StrCat((TestCluster::BinaryDir() / "bin/infaas").string(), " ",
                                            args, " --master ", cluster_->master_address(), " > ",
                                            out, " 2>> ", (cluster_->dir() / "cli.err").string())
                                   .c_str());
    std::cout << "infaas " << args << ": " << absl::ToDoubleMilliseconds(absl::Now() - start)
              << " ms\n";
    EXPECT_EQ(rc, 0) << args;
    return ReadFile(out).value_or("");
  }

  static TestCluster* cluster_;
};

TestCluster* CatalogueScaleTest::cluster_ = nullptr;

TEST_F(CatalogueScaleTest, ModarchListsEveryArchitectureForPeopleAndScripts) {
  const std::vector<std::string> lines = absl::StrSplit(Cli("modarch"), '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), kGenerated + 1u);
  EXPECT_EQ(lines.front(), "gen000");
  const json parsed = json::parse(Cli("modarch --json"));
  EXPECT_EQ(parsed["architectures"].size(), kGenerated + 1u);
  EXPECT_EQ(json::parse(Cli("modarch classification fashion-mnist --json"))["architectures"],
            json::array({"linear"}));
}

TEST_F(CatalogueScaleTest, ModinfoShowsTheFastestVariantsFirstAndCountsTheRest) {
  const std::string all = Cli("modinfo gen003");
  EXPECT_THAT(all, AllOf(HasSubstr("gen003: task classification, dataset synthetic"),
                         HasSubstr("8 variants"), HasSubstr("gen003_onnx_cpu2_b1")));
  const std::string cut = Cli("modinfo gen003 --limit 3");
  EXPECT_THAT(cut, HasSubstr("... and 5 more variants (--limit 0 shows all"));
  const json parsed = json::parse(Cli("modinfo gen003 --json"));
  EXPECT_EQ(parsed["variants"].size(), 8u);
}

TEST_F(CatalogueScaleTest, SelectionFindsTheRealModelAmongTwoHundredVariants) {
  v1::QueryOnlineRequest request;
  request.set_task("classification");
  request.set_dataset("fashion-mnist");
  request.set_latency_slo_ms(1000);
  request.add_inputs()->set_encoded_image(ReadBytes(SampleImages()[0]));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::QueryOnlineResponse response;
  const grpc::Status s = cluster_->api()->QueryOnline(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(response.variant(), HasSubstr("linear_"));

  // An impossible target among the generated family: refused at once with
  // the nearest alternatives, nothing loaded.
  v1::QueryOnlineRequest impossible;
  impossible.set_task("classification");
  impossible.set_dataset("synthetic");
  impossible.set_latency_slo_ms(0.001);
  impossible.add_inputs()->set_encoded_image(ReadBytes(SampleImages()[0]));
  grpc::ClientContext refused_context;
  const grpc::Status refused =
      cluster_->api()->QueryOnline(&refused_context, impossible, &response);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.error_message(), HasSubstr("gen"));
}

TEST_F(CatalogueScaleTest, StatusStaysOneScreenWithTheCatalogueRegistered) {
  const std::string status = Cli("status");
  EXPECT_THAT(status, HasSubstr("1 worker(s)"));
  EXPECT_LT(std::count(status.begin(), status.end(), '\n'), 30) << status;
}

// `infaas top` off a terminal prints its picture once per refresh, with the
// service levels of the queries just sent by name.
TEST_F(CatalogueScaleTest, TopPrintsThePictureAndServiceLevelsEachRefresh) {
  v1::QueryOnlineRequest request;
  request.set_architecture("linear");
  request.set_latency_slo_ms(1000);
  request.add_inputs()->set_encoded_image(ReadBytes(SampleImages()[0]));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::QueryOnlineResponse response;
    ASSERT_TRUE(cluster_->api()->QueryOnline(&context, request, &response).ok());
  }
  const std::string top = Cli("top --iterations 2 --interval-ms 200 --window-s 120");
  std::vector<std::string> pictures =
      absl::StrSplit(top, "infaas top - master ", absl::SkipEmpty());
  ASSERT_EQ(pictures.size(), 2u) << top;
  for (const std::string& picture : pictures) {
    EXPECT_THAT(picture, HasSubstr("1 worker(s)"));
    EXPECT_THAT(picture, HasSubstr("service levels, last 2m"));
    EXPECT_THAT(picture, ::testing::ContainsRegex("linear +architecture"));
    EXPECT_EQ(picture.find('\x1b'), std::string::npos) << "no terminal codes off a terminal";
  }
}

}  // namespace
}  // namespace infaas::testing
