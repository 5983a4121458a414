// InferenceFrontend over the real router, load coordinator and views, with
// in-process fake workers (controller/testing/fake_worker.h) and a fake
// clock: no processes.

#include "kserve/frontend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "controller/grpc_worker_port.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"
#include "metrics/registry.h"

namespace infaas::kserve {
namespace {

using controller::testing::FakeWorker;
using ::testing::HasSubstr;

constexpr char kServing[] = "lenet5_onnx_cpu1_b1";
constexpr char kOther[] = "lenet5_torchscript_cpu1_b8";

// Runs an asynchronous call and waits for its `done`.
absl::Status Await(const std::function<void(InferenceFrontend::Done)>& call) {
  absl::Notification done;
  absl::Status result;
  call([&](absl::Status s) {
    result = s;
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

class FrontendTest : public ::testing::Test {
 protected:
  FrontendTest()
      : clients_([this](const std::string& address) { return workers_.at(address)->NewStub(); }),
        port_(&clients_),
        loads_(&port_, &cluster_),
        catalogue_(
            controller::testing::StoredCatalogue::Create(
                "frontend-test",
                {controller::testing::MakeVariant({.name = kServing}),
                 controller::testing::MakeVariant(
                     {.name = kOther, .max_batch = 8, .framework = v1::FRAMEWORK_TORCHSCRIPT})})
                .value()) {
    controller::CatalogueView* catalogue = catalogue_->view();
    metrics_ =
        std::make_unique<controller::ServingMetrics>(&registry_, &cluster_, catalogue, &clock_);
    router_ = std::make_unique<controller::QueryRouter>(controller::QueryRouter::Dependencies{
        catalogue, &cluster_, &port_, &loads_, &clock_, nullptr, metrics_.get()});
    frontend_ = std::make_unique<InferenceFrontend>(InferenceFrontend::Dependencies{
        catalogue, &cluster_, router_.get(), &loads_, metrics_.get(), &clock_});
  }

  // A worker at "fake:<id>" that holds `variants`, idle, with room for more.
  FakeWorker& AddWorker(const std::string& id, std::vector<std::string> variants) {
    auto& worker = workers_[absl::StrCat("fake:", id)];
    worker = std::make_unique<FakeWorker>();
    cluster_.OnHeartbeat(
        controller::testing::IdleWorkerBeat(id, absl::StrCat("fake:", id), variants), clock_.Now());
    return *worker;
  }

  // Starts at the real time: gRPC deadlines are computed from this clock.
  FakeClock clock_{absl::Now()};
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_;
  controller::ClusterView cluster_{absl::Hours(1)};
  controller::WorkerClients clients_;
  controller::GrpcWorkerPort port_;
  controller::LoadCoordinator loads_;
  metrics::MetricsRegistry registry_;
  std::unique_ptr<controller::testing::StoredCatalogue> catalogue_;
  std::unique_ptr<controller::ServingMetrics> metrics_;
  std::unique_ptr<controller::QueryRouter> router_;
  std::unique_ptr<InferenceFrontend> frontend_;
};

TEST_F(FrontendTest, TheServerIsReadyOnceAWorkerIsLive) {
  EXPECT_EQ(frontend_->ServerReady().code(), absl::StatusCode::kUnavailable);
  AddWorker("w1", {});
  EXPECT_TRUE(frontend_->ServerReady().ok());
}

TEST_F(FrontendTest, LoadPinsTheVariantAndLoadsItOnAWorker) {
  FakeWorker& worker = AddWorker("w1", {kServing});
  EXPECT_TRUE(Await([&](auto done) { frontend_->Load(kOther, done); }).ok());
  EXPECT_EQ(worker.load_calls(), 1);
  EXPECT_TRUE(frontend_->IsPinned(kOther));
  EXPECT_FALSE(frontend_->IsPinned(kServing));
}

TEST_F(FrontendTest, AFailedLoadReachesTheCallerWithTheWorkersReason) {
  AddWorker("w1", {}).SetLoad([](const worker_rpc::LoadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "not enough memory for it");
  });
  const absl::Status s = Await([&](auto done) { frontend_->Load(kOther, done); });
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("not enough memory for it"));
}

TEST_F(FrontendTest, LoadAndUnloadTakeOnlyAVariant) {
  AddWorker("w1", {kServing});
  const absl::Status s = Await([&](auto done) { frontend_->Load("lenet5", done); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("is an architecture"));
  EXPECT_EQ(Await([&](auto done) { frontend_->Unload("nope", done); }).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FrontendTest, UnloadReleasesThePinAsksEveryHolderAndReportsTheFirstError) {
  FakeWorker& w1 = AddWorker("w1", {kServing});
  FakeWorker& w2 = AddWorker("w2", {kServing});
  w2.SetUnload([](const worker_rpc::UnloadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "disk on fire");
  });
  ASSERT_TRUE(Await([&](auto done) { frontend_->Load(kServing, done); }).ok());
  ASSERT_TRUE(frontend_->IsPinned(kServing));
  const absl::Status s = Await([&](auto done) { frontend_->Unload(kServing, done); });
  EXPECT_THAT(s.message(), HasSubstr("worker w2: disk on fire"));
  EXPECT_EQ(w1.unload_calls(), 1);
  EXPECT_EQ(w2.unload_calls(), 1);
  EXPECT_FALSE(frontend_->IsPinned(kServing));
}

TEST_F(FrontendTest, InferRunsOnTheWorkerThatHoldsTheVariant) {
  FakeWorker& worker = AddWorker("w1", {kServing});
  inference::ModelInferRequest request;
  request.set_model_name(kServing);
  auto* input = request.add_inputs();
  input->set_name("input");
  input->set_datatype("FP32");
  for (int64_t d : {1, 1, 28, 28}) input->add_shape(d);
  for (int i = 0; i < 784; ++i) input->mutable_contents()->add_fp32_contents(0);
  absl::Notification answered;
  absl::StatusOr<inference::ModelInferResponse> response;
  frontend_->Infer(auth::Principal::Operator(), request, clock_.Now() + absl::Seconds(10),
                   /*raw_output=*/false, [&](absl::StatusOr<inference::ModelInferResponse> r) {
                     response = std::move(r);
                     answered.Notify();
                   });
  answered.WaitForNotification();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(worker.infer_calls(), 1);
  ASSERT_EQ(response->outputs_size(), 1);
  EXPECT_THAT(response->outputs(0).shape(), ::testing::ElementsAre(1, 10));
  EXPECT_EQ(response->outputs(0).contents().fp32_contents(3), 10.0f);
}

}  // namespace
}  // namespace infaas::kserve
