// The worker end to end: a real model from the zoo, loaded and served through
// the real gRPC service on an ephemeral port, driven by a generated client
// stub; heartbeats to a fake master; and the infaas-worker binary itself.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backend/model_config.h"
#include "backend/testing/zoo.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "worker/testing/fake_master.h"
#include "worker/testing/worker_process.h"
#include "worker/worker_server.h"

namespace infaas::worker {
namespace {

using backend::testing::ZooDir;
using infaas::worker_rpc::InferRequest;
using infaas::worker_rpc::InferResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kVariant[] = "lenet5_torchscript_cpu1_b8";

// A repository root holding a copy of the zoo's lenet5 as <root>/lenet5/.
std::filesystem::path MakeRepository() {
  const std::filesystem::path root = backend::testing::NewScratchDir("worker_repo");
  std::filesystem::copy(ZooDir() / "lenet5", root / "lenet5",
                        std::filesystem::copy_options::recursive);
  return root;
}

v1::VariantRecord Lenet5Record(const std::filesystem::path& root) {
  absl::StatusOr<v1::ModelConfig> config =
      backend::LoadModelConfig(root / "lenet5" / "config.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  v1::VariantRecord record;
  *record.mutable_config() = config.value_or(v1::ModelConfig());
  record.mutable_config()->set_name(kVariant);
  record.mutable_config()->set_max_batch_size(8);
  record.mutable_config()->set_cpu_threads(1);
  record.set_repository_model("lenet5");
  return record;
}

// Index of the largest value.
int ArgMax(const v1::OutputTensor& output) {
  const auto& v = output.values();
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

class WorkerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeRepository();
    StartWorker("");
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void StartWorker(const std::string& master) {
    auto server = WorkerServer::Create(
        {.worker_id = "itest",
         .repository_root = root_,
         .masters = master.empty() ? std::vector<std::string>{} : std::vector<std::string>{master},
         .heartbeat_interval = absl::Milliseconds(50)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = infaas::worker_rpc::Worker::NewStub(
        grpc::CreateChannel(server_->listen_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status LoadVariant(const v1::VariantRecord& record,
                           infaas::worker_rpc::LoadVariantResponse* response = nullptr,
                           int64_t leader_token = 0) {
    infaas::worker_rpc::LoadVariantRequest request;
    *request.mutable_record() = record;
    request.set_instances(1);
    request.set_leader_token(leader_token);
    infaas::worker_rpc::LoadVariantResponse ignored;
    grpc::ClientContext context;
    SetDeadline(&context);
    return stub_->LoadVariant(&context, request, response != nullptr ? response : &ignored);
  }

  grpc::Status Infer(const std::string& variant, const std::string& image,
                     InferResponse* response) {
    InferRequest request;
    request.set_variant(variant);
    request.add_inputs()->set_encoded_image(image);
    grpc::ClientContext context;
    SetDeadline(&context);
    return stub_->Infer(&context, request, response);
  }

  std::filesystem::path root_;
  std::unique_ptr<WorkerServer> server_;
  std::unique_ptr<infaas::worker_rpc::Worker::Stub> stub_;
};

TEST_F(WorkerIntegrationTest, ClassifiesTheZooSamplesThroughTheGrpcService) {
  infaas::worker_rpc::LoadVariantResponse loaded;
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_), &loaded).ok());
  EXPECT_GT(loaded.load_latency_ms(), 0);
  const std::vector<std::string> labels = backend::testing::ReadLines(ZooDir() / "labels.txt");
  ASSERT_EQ(labels.size(), 10u);
  const std::vector<backend::testing::Sample> samples = backend::testing::ZooSamples();
  ASSERT_EQ(samples.size(), 12u);
  int correct = 0;
  for (const backend::testing::Sample& sample : samples) {
    InferResponse response;
    const grpc::Status status = Infer(kVariant, sample.bytes, &response);
    ASSERT_TRUE(status.ok()) << sample.file << ": " << status.error_message();
    ASSERT_EQ(response.outputs_size(), 1);
    ASSERT_EQ(response.outputs(0).values_size(), 10);
    EXPECT_EQ(response.batch_size(), 1);
    EXPECT_GE(response.compute_time_ms(), 0);
    if (backend::testing::ClassKey(labels[ArgMax(response.outputs(0))]) == sample.class_key) {
      ++correct;
    }
  }
  EXPECT_GE(correct, 10) << "of 12 samples";
}

TEST_F(WorkerIntegrationTest, AnswersConcurrentQueriesAndBatchesSomeOfThem) {
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  const std::string image = backend::testing::ZooSamples().front().bytes;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 4;
  absl::Notification go;
  std::atomic<int> remaining{kThreads * kPerThread};
  absl::Notification all_answered;
  std::atomic<int> ok{0};
  std::atomic<int> max_batch{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      struct Call {
        grpc::ClientContext context;
        InferRequest request;
        InferResponse response;
      };
      std::vector<std::unique_ptr<Call>> calls;
      go.WaitForNotification();
      for (int i = 0; i < kPerThread; ++i) {
        auto& call = calls.emplace_back(std::make_unique<Call>());
        SetDeadline(&call->context);
        call->request.set_variant(kVariant);
        call->request.add_inputs()->set_encoded_image(image);
        stub_->async()->Infer(
            &call->context, &call->request, &call->response,
            [&, c = call.get()](grpc::Status status) {
              if (status.ok() && c->response.outputs_size() == 1) ++ok;
              int seen = max_batch.load();
              while (c->response.batch_size() > seen &&
                     !max_batch.compare_exchange_weak(seen, c->response.batch_size())) {
              }
              if (--remaining == 0) all_answered.Notify();
            });
      }
      all_answered.WaitForNotification();  // keeps `calls` alive until every answer is in
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_GT(max_batch.load(), 1);
  EXPECT_LE(max_batch.load(), 8);
}

TEST_F(WorkerIntegrationTest, AnswersEachPartOfACoalescedCallOnItsOwn) {
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  const std::vector<backend::testing::Sample> samples = backend::testing::ZooSamples();
  const std::vector<std::string> labels = backend::testing::ReadLines(ZooDir() / "labels.txt");
  // Parts of 2, 1 and 3 inputs; the middle one does not decode, the last
  // one's budget is already spent.
  InferRequest request;
  request.set_variant(kVariant);
  for (int i : {0, 1}) request.add_inputs()->set_encoded_image(samples[i].bytes);
  request.add_inputs()->set_encoded_image("definitely not a PNG");
  for (int i : {2, 3, 4}) request.add_inputs()->set_encoded_image(samples[i].bytes);
  for (auto [inputs, budget_ms] : {std::pair{2, 0.0}, {1, 0.0}, {3, 1e-6}}) {
    infaas::worker_rpc::QueryPart* part = request.add_parts();
    part->set_inputs(inputs);
    part->set_slo_budget_ms(budget_ms);
  }
  InferResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  const grpc::Status status = stub_->Infer(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.parts_size(), 3);
  const infaas::worker_rpc::PartAnswer& good = response.parts(0);
  EXPECT_EQ(good.code(), 0) << good.message();
  ASSERT_EQ(good.outputs_size(), 2);
  for (int i : {0, 1}) {
    EXPECT_EQ(backend::testing::ClassKey(labels[ArgMax(good.outputs(i))]), samples[i].class_key);
  }
  EXPECT_GE(good.batch_size(), 2);
  EXPECT_EQ(response.parts(1).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(response.parts(1).outputs_size(), 0);
  EXPECT_EQ(response.parts(2).code(), static_cast<int>(absl::StatusCode::kResourceExhausted))
      << response.parts(2).message();
  EXPECT_EQ(response.outputs_size(), 0);

  // Parts that do not cover the inputs: the call is refused whole.
  request.mutable_parts(2)->set_inputs(2);
  grpc::ClientContext again;
  SetDeadline(&again);
  EXPECT_EQ(stub_->Infer(&again, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkerIntegrationTest, AnswersNotFoundForAVariantThatIsNotLoaded) {
  InferResponse response;
  const grpc::Status status = Infer("resnet9000", "x", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("variant resnet9000 is not loaded on worker itest"));
}

TEST_F(WorkerIntegrationTest, RejectsAnUndecodableImageAndKeepsServing) {
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  InferResponse response;
  const grpc::Status status = Infer(kVariant, "definitely not a PNG", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("input 0"));
  EXPECT_THAT(status.error_message(), HasSubstr(kVariant));
  InferResponse good;
  EXPECT_TRUE(Infer(kVariant, backend::testing::ZooSamples().front().bytes, &good).ok());
}

TEST_F(WorkerIntegrationTest, UnloadVariantThenInferAnswersNotFound) {
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  infaas::worker_rpc::UnloadVariantRequest request;
  request.set_variant(kVariant);
  infaas::worker_rpc::UnloadVariantResponse unloaded;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(stub_->UnloadVariant(&context, request, &unloaded).ok());
  InferResponse response;
  const std::string image = backend::testing::ZooSamples().front().bytes;
  EXPECT_EQ(Infer(kVariant, image, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(WorkerIntegrationTest, RefusesLoadsAndUnloadsOfALeaderThatNoLongerLeads) {
  // The leader with token 5 loads; one with token 6 has been seen since.
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_), nullptr, /*leader_token=*/5).ok());
  infaas::worker_rpc::UnloadVariantRequest newer;
  newer.set_variant("nothing-loaded");
  newer.set_leader_token(6);
  infaas::worker_rpc::UnloadVariantResponse ignored;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    // Refused for the variant, not for the token: 6 is now the highest.
    EXPECT_NE(stub_->UnloadVariant(&context, newer, &ignored).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  infaas::worker_rpc::UnloadVariantRequest stale;
  stale.set_variant(kVariant);
  stale.set_leader_token(5);
  grpc::ClientContext context;
  SetDeadline(&context);
  const grpc::Status refused = stub_->UnloadVariant(&context, stale, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("token 6"));
  EXPECT_EQ(LoadVariant(Lenet5Record(root_), nullptr, 5).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Still serving; a query's own load (no token) and the newer leader go on.
  InferResponse response;
  EXPECT_TRUE(Infer(kVariant, backend::testing::ZooSamples().front().bytes, &response).ok());
  EXPECT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  EXPECT_TRUE(LoadVariant(Lenet5Record(root_), nullptr, 6).ok());
}

TEST_F(WorkerIntegrationTest, RefusesAVariantWhoseFilesAreNotInTheRepository) {
  v1::VariantRecord record = Lenet5Record(root_);
  record.set_repository_model("not_there");
  const grpc::Status status = LoadVariant(record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(server_->variants().Names().empty());
}

TEST_F(WorkerIntegrationTest, HeartbeatsListTheLoadedVariant) {
  testing::FakeMaster master;
  testing::TestServer master_server(&master);
  ASSERT_NE(master_server.server, nullptr);
  server_.reset();
  StartWorker(master_server.address());
  ASSERT_TRUE(LoadVariant(Lenet5Record(root_)).ok());
  const infaas::worker_rpc::HeartbeatRequest beat =
      master.AwaitRequest([](const infaas::worker_rpc::HeartbeatRequest& r) {
        return r.variants_size() == 1 && r.variants(0).variant() == kVariant &&
               r.variants(0).instances() == 1;
      });
  EXPECT_EQ(beat.worker_id(), "itest");
  EXPECT_EQ(beat.address(), server_->advertise_address());
  server_->Shutdown();
}

TEST(WorkerBinaryTest, PrintsItsPortServesAndStopsCleanlyOnSigterm) {
  const std::filesystem::path root = MakeRepository();
  testing::FakeMaster master;
  testing::TestServer master_server(&master);
  ASSERT_NE(master_server.server, nullptr);
  testing::WorkerProcess worker;
  ASSERT_TRUE(worker.Start({"--id", "bin-itest", "--listen", "127.0.0.1:0", "--repo", root.string(),
                            "--master", master_server.address(), "--heartbeat-ms", "50",
                            "--log-level", "warning"}));
  const std::string line = worker.ReadLine(absl::Seconds(60));
  ASSERT_THAT(line, MatchesRegex("infaas-worker bin-itest listening on 127\\.0\\.0\\.1:[0-9]+"));
  const std::string address = line.substr(line.rfind(' ') + 1);
  auto stub = infaas::worker_rpc::Worker::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  InferRequest request;
  request.set_variant("nothing_loaded");
  InferResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_EQ(stub->Infer(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  const infaas::worker_rpc::HeartbeatRequest beat = master.AwaitRequest(
      [](const infaas::worker_rpc::HeartbeatRequest& r) { return r.worker_id() == "bin-itest"; });
  EXPECT_EQ(beat.address(), address);
  EXPECT_EQ(worker.Terminate(), 0);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace infaas::worker
