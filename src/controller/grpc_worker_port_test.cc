// GrpcWorkerPort against an in-process fake worker over real gRPC: an
// answer, and a call ended early by its Cancel.

#include "controller/grpc_worker_port.h"

#include <gtest/gtest.h>

#include <optional>

#include "absl/synchronization/mutex.h"
#include "controller/testing/fake_worker.h"
#include "controller/worker_clients.h"

namespace infaas::controller {
namespace {

using testing::FakeWorker;

class GrpcWorkerPortTest : public ::testing::Test {
 protected:
  GrpcWorkerPortTest() : clients_([this](const std::string&) { return worker_.NewStub(); }) {}

  // Sends one Infer of one input; its status lands in status_.
  WorkerPort::Cancel Infer() {
    request_.set_variant("v");
    request_.add_inputs()->set_raw_fp32("x");
    return port_.Infer("fake:w1", &request_, &reply_, absl::Now() + absl::Seconds(30),
                       [this](WorkerPort::CallStatus s) {
                         absl::MutexLock lock(&mu_);
                         status_ = std::move(s);
                       });
  }

  WorkerPort::CallStatus AwaitStatus() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::optional<WorkerPort::CallStatus>* s) { return s->has_value(); }, &status_));
    return *status_;
  }

  FakeWorker worker_;
  WorkerClients clients_;
  GrpcWorkerPort port_{&clients_};
  worker_rpc::InferRequest request_;
  worker_rpc::InferResponse reply_;
  absl::Mutex mu_;
  std::optional<WorkerPort::CallStatus> status_ ABSL_GUARDED_BY(mu_);
};

TEST_F(GrpcWorkerPortTest, AnAnsweredCallIsTheWorkersOwnAndACancelAfterItChangesNothing) {
  WorkerPort::Cancel cancel = Infer();
  const WorkerPort::CallStatus s = AwaitStatus();
  EXPECT_TRUE(s.status.ok()) << s.status;
  EXPECT_TRUE(s.answered_by_worker);
  EXPECT_EQ(reply_.outputs_size(), 1);
  cancel();  // the call is over: nothing to end
  EXPECT_TRUE(AwaitStatus().status.ok());
}

TEST_F(GrpcWorkerPortTest, ACancelEndsACallTheWorkerHasNotAnswered) {
  worker_.Hold(FakeWorker::Method::kInfer);
  WorkerPort::Cancel cancel = Infer();
  worker_.AwaitHeld(1, FakeWorker::Method::kInfer);
  cancel();
  const WorkerPort::CallStatus s = AwaitStatus();
  EXPECT_EQ(s.status.code(), absl::StatusCode::kCancelled) << s.status;
  EXPECT_FALSE(s.answered_by_worker);
  cancel();  // again: harmless
}

}  // namespace
}  // namespace infaas::controller
