// Model-less serving end to end: real infaas-master and infaas-worker
// processes on loopback, real zoo models, a real SQLite file or Redis.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<fs::path> Samples() { return SampleImages(); }

int ArgMax(const v1::OutputTensor& out) {
  return static_cast<int>(std::max_element(out.values().begin(), out.values().end()) -
                          out.values().begin());
}

v1::QueryOnlineRequest WithImage(v1::QueryOnlineRequest request, const fs::path& image) {
  request.add_inputs()->set_encoded_image(ReadBytes(image));
  return request;
}

v1::QueryOnlineRequest ByVariant(const std::string& variant) {
  v1::QueryOnlineRequest r;
  r.set_variant(variant);
  return r;
}

v1::QueryOnlineRequest ByArchitecture(const std::string& arch, double slo_ms) {
  v1::QueryOnlineRequest r;
  r.set_architecture(arch);
  r.set_latency_slo_ms(slo_ms);
  return r;
}

v1::QueryOnlineRequest ByFamily(double min_accuracy, double slo_ms) {
  v1::QueryOnlineRequest r;
  r.set_task("classification");
  r.set_dataset("fashion-mnist");
  r.set_min_accuracy_percent(min_accuracy);
  r.set_latency_slo_ms(slo_ms);
  return r;
}

class ServingTest : public ::testing::TestWithParam<bool> {
 protected:
  // One cluster per store kind, shared by the tests of that kind.
  static TestCluster* Cluster(bool redis) {
    static std::map<bool, std::unique_ptr<TestCluster>>* clusters =
        new std::map<bool, std::unique_ptr<TestCluster>>();
    std::unique_ptr<TestCluster>& c = (*clusters)[redis];
    if (c == nullptr) {
      auto started = TestCluster::Start({.workers = 2, .redis = redis});
      EXPECT_TRUE(started.ok()) << started.status();
      if (started.ok()) c = std::move(*started);
    }
    return c.get();
  }
  static void TearDownTestSuite() {}

  void SetUp() override {
    cluster_ = Cluster(GetParam());
    ASSERT_NE(cluster_, nullptr);
  }

  absl::StatusOr<v1::QueryOnlineResponse> Query(const v1::QueryOnlineRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::QueryOnlineResponse response;
    grpc::Status s = cluster_->api()->QueryOnline(&context, request, &response);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return response;
  }

  // A query known to work, to show the system keeps serving after errors.
  void ExpectStillServing() {
    auto ok = Query(WithImage(ByVariant("lenet5_torchscript_cpu1_b8"), Samples()[0]));
    EXPECT_TRUE(ok.ok()) << ok.status();
  }

  TestCluster* cluster_ = nullptr;
};

TEST_P(ServingTest, VariantFormAnswersEverySampleWithItsTrueClass) {
  int correct = 0;
  for (const fs::path& sample : Samples()) {
    auto reply = Query(WithImage(ByVariant("vgg_mini_torchscript_cpu1_b8"), sample));
    ASSERT_TRUE(reply.ok()) << sample << ": " << reply.status();
    EXPECT_EQ(reply->variant(), "vgg_mini_torchscript_cpu1_b8");
    ASSERT_EQ(reply->outputs_size(), 1);
    ASSERT_EQ(reply->labels_size(), 10);
    if (ArgMax(reply->outputs(0)) == TrueClassOf(sample)) ++correct;
  }
  EXPECT_EQ(correct, static_cast<int>(Samples().size()));
}

TEST_P(ServingTest, ABatchOfInputsGetsOneOutputEachInOrder) {
  // A loose target: this checks the outputs' order, not speed (a sanitizer
  // build's profile predicts a batch of 4 at over 200 ms, and is refused).
  v1::QueryOnlineRequest request = ByArchitecture("lenet5", 5000);
  const std::vector<fs::path> samples = Samples();
  for (int i = 0; i < 4; ++i) request = WithImage(request, samples[i]);
  auto reply = Query(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(absl::StartsWith(reply->variant(), "lenet5_")) << reply->variant();
  ASSERT_EQ(reply->outputs_size(), 4);
  int correct = 0;
  for (int i = 0; i < 4; ++i) correct += ArgMax(reply->outputs(i)) == TrueClassOf(samples[i]);
  EXPECT_GE(correct, 3);
}

TEST_P(ServingTest, ALooseSloOnTheFamilyEndsUpOnTheCheapVariant) {
  // A loaded variant may answer at once while the cheapest one (linear)
  // loads in the background; within a few queries linear serves.
  std::string served;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!absl::StartsWith(served, "linear_") && absl::Now() < give_up) {
    auto reply = Query(WithImage(ByFamily(80, 1000), Samples()[0]));
    ASSERT_TRUE(reply.ok()) << reply.status();
    served = reply->variant();
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(absl::StartsWith(served, "linear_")) << served;
}

TEST_P(ServingTest, AStrictAccuracyPicksAnAccurateVariant) {
  auto reply = Query(WithImage(ByFamily(92, 1000), Samples()[0]));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(absl::StartsWith(reply->variant(), "vgg_mini_")) << reply->variant();
  EXPECT_EQ(ArgMax(reply->outputs(0)), TrueClassOf(Samples()[0]));
}

TEST_P(ServingTest, AnImpossibleSloNamesTheNearestAlternatives) {
  auto reply = Query(WithImage(ByFamily(92, 0.000001), Samples()[0]));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("vgg_mini"));
  ExpectStillServing();
}

TEST_P(ServingTest, BadQueriesGetClearErrorsAndOthersKeepSucceeding) {
  auto unknown = Query(WithImage(ByVariant("nosuch_variant"), Samples()[0]));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("nosuch_variant"));
  ExpectStillServing();

  auto unknown_arch = Query(WithImage(ByArchitecture("resnet50", 100), Samples()[0]));
  EXPECT_EQ(unknown_arch.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown_arch.status().message()), HasSubstr("lenet5"));
  ExpectStillServing();

  v1::QueryOnlineRequest wrong_dims = WithImage(ByArchitecture("lenet5", 100), Samples()[0]);
  wrong_dims.add_input_dims(224);
  auto dims = Query(wrong_dims);
  EXPECT_EQ(dims.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(dims.status().message()), HasSubstr("224"));
  ExpectStillServing();

  v1::QueryOnlineRequest garbage = ByVariant("lenet5_torchscript_cpu1_b8");
  garbage.add_inputs()->set_encoded_image("this is not a png");
  auto undecodable = Query(garbage);
  EXPECT_EQ(undecodable.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(undecodable.status().message()), HasSubstr("not a decodable"));
  ExpectStillServing();

  auto no_inputs = Query(ByVariant("lenet5_torchscript_cpu1_b8"));
  EXPECT_EQ(no_inputs.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ServingTest, ModarchAndModinfoDescribeTheCatalogue) {
  grpc::ClientContext c1;
  v1::ListArchitecturesRequest req;
  req.set_task("classification");
  req.set_dataset("fashion-mnist");
  v1::ListArchitecturesResponse archs;
  ASSERT_TRUE(cluster_->api()->ListArchitectures(&c1, req, &archs).ok());
  EXPECT_THAT(archs.architectures(), ::testing::ElementsAre("lenet5", "linear", "vgg_mini"));
  grpc::ClientContext c2;
  v1::GetModelInfoRequest info_req;
  info_req.set_architecture("lenet5");
  v1::GetModelInfoResponse info;
  ASSERT_TRUE(cluster_->api()->GetModelInfo(&c2, info_req, &info).ok());
  ASSERT_GE(info.variants_size(), 2);
  for (const auto& v : info.variants()) {
    EXPECT_EQ(v.record().config().architecture(), "lenet5");
    EXPECT_GT(v.record().profile().validation_samples(), 0);
  }
}

// Runs last in each suite: it takes a worker and the master down.
TEST_P(ServingTest, ZZSurvivesAKilledWorkerAndAMasterRestart) {
  // Make sure something is loaded, then kill a worker without warning.
  ASSERT_TRUE(Query(WithImage(ByVariant("lenet5_torchscript_cpu1_b8"), Samples()[0])).ok());
  cluster_->KillWorker(0);
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    ok += Query(WithImage(ByArchitecture("lenet5", 5000), Samples()[i % Samples().size()])).ok();
  }
  EXPECT_EQ(ok, 10);
  ASSERT_TRUE(cluster_->AwaitLiveWorkers(1, absl::Seconds(10)).ok());

  ASSERT_TRUE(cluster_->RestartMaster().ok());
  ASSERT_TRUE(cluster_->AwaitLiveWorkers(1, absl::Seconds(10)).ok());
  grpc::ClientContext context;
  v1::ListArchitecturesResponse archs;
  ASSERT_TRUE(cluster_->api()->ListArchitectures(&context, {}, &archs).ok());
  EXPECT_EQ(archs.architectures_size(), 3);
  auto after = Query(WithImage(ByFamily(90, 5000), Samples()[1]));
  EXPECT_TRUE(after.ok()) << after.status();
}

INSTANTIATE_TEST_SUITE_P(Stores, ServingTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Redis" : "Sqlite";
                         });

}  // namespace
}  // namespace infaas::testing
