// SimWorkerPort: a call ends once, whether answered, cancelled or closed.

#include "sim/sim_worker_port.h"

#include <gtest/gtest.h>

#include <vector>

namespace infaas::sim {
namespace {

using controller::WorkerPort;

TEST(SimWorkerPortTest, ACancelledCallEndsAtOnceAndItsLateAnswerIsDropped) {
  EventLoop loop;
  SimWorkerPort port(&loop, absl::Milliseconds(2));
  worker_rpc::InferRequest request;
  request.set_variant("v");
  worker_rpc::InferResponse reply;
  std::vector<absl::StatusCode> ended;
  // No worker at the address: it would answer UNAVAILABLE, a call overhead
  // from now.
  WorkerPort::Cancel cancel =
      port.Infer("nowhere:1", &request, &reply, loop.now() + absl::Seconds(1),
                 [&ended](WorkerPort::CallStatus s) { ended.push_back(s.status.code()); });
  cancel();
  EXPECT_EQ(ended, std::vector<absl::StatusCode>{absl::StatusCode::kCancelled});
  loop.RunUntil(loop.now() + absl::Seconds(1));
  cancel();  // over: nothing more
  EXPECT_EQ(ended, std::vector<absl::StatusCode>{absl::StatusCode::kCancelled});
}

TEST(SimWorkerPortTest, AnUncancelledCallIsAnsweredOnceAndCloseEndsNothingTwice) {
  EventLoop loop;
  SimWorkerPort port(&loop, absl::Milliseconds(2));
  worker_rpc::InferRequest request;
  worker_rpc::InferResponse reply;
  std::vector<absl::StatusCode> ended;
  WorkerPort::Cancel cancel =
      port.Infer("nowhere:1", &request, &reply, loop.now() + absl::Seconds(1),
                 [&ended](WorkerPort::CallStatus s) { ended.push_back(s.status.code()); });
  loop.RunUntil(loop.now() + absl::Seconds(1));
  EXPECT_EQ(ended, std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable});
  cancel();
  port.Close();
  EXPECT_EQ(ended.size(), 1u);
}

}  // namespace
}  // namespace infaas::sim
