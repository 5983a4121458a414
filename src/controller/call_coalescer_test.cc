// CallCoalescer against an in-process fake worker: a lone query goes as a
// plain call; queries that find the calls in flight leave together, up to the
// max batch, each with its own budget and answer; a query whose target passed
// while it waited is not sent; a failed call fails each of its queries, and
// every query gets its inputs back.

#include "controller/call_coalescer.h"
#include "controller/grpc_worker_port.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "controller/testing/fake_worker.h"

namespace infaas::controller {
namespace {

using testing::FakeWorker;
using ::testing::HasSubstr;

class CallCoalescerTest : public ::testing::Test {
 protected:
  CallCoalescerTest()
      : clients_([this](const std::string&) { return worker_.NewStub(); }),
        port_(&clients_),
        coalescer_(&port_, &clock_, {.calls_per_instance = 1}) {
    worker_.SetInfer([this](const worker_rpc::InferRequest& r, worker_rpc::InferResponse* out) {
      {
        absl::MutexLock lock(&mu_);
        seen_.push_back(r);
      }
      FakeWorker::AnswerWith(3, r, out);
      return grpc::Status::OK;
    });
  }

  // A query of `inputs` raw inputs, each tagged with its query's number, whose
  // outcome lands in outcomes_[n].
  void Send(int n, int inputs = 1, int max_batch = 8,
            absl::Time must_finish_by = absl::InfiniteFuture(),
            absl::Duration deadline = absl::Seconds(10)) {
    CallCoalescer::Query query{.must_finish_by = must_finish_by,
                               .deadline = clock_.Now() + deadline};
    for (int i = 0; i < inputs; ++i) query.inputs.Add()->set_raw_fp32(std::to_string(n));
    query.done = [this, n](CallCoalescer::Outcome outcome) {
      absl::MutexLock lock(&mu_);
      outcomes_[n] = std::move(outcome);
    };
    coalescer_.Send({.address = "fake:w1", .variant = "v", .max_batch = max_batch},
                    std::move(query));
  }

  void AwaitOutcomes(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return outcomes_.size() >= n; };
    mu_.Await(absl::Condition(&enough));
  }

  // Query 0 held at the worker: the one call in flight the limit allows.
  void HoldOneCallInFlight(int max_batch = 8) {
    worker_.Hold();
    Send(0, 1, max_batch);
    worker_.AwaitHeld(1);
  }

  std::vector<worker_rpc::InferRequest> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  FakeClock clock_{absl::Now()};
  FakeWorker worker_;
  WorkerClients clients_;
  GrpcWorkerPort port_;
  CallCoalescer coalescer_;
  absl::Mutex mu_;
  std::vector<worker_rpc::InferRequest> seen_ ABSL_GUARDED_BY(mu_);
  std::map<int, CallCoalescer::Outcome> outcomes_ ABSL_GUARDED_BY(mu_);
};

TEST_F(CallCoalescerTest, ALoneQueryLeavesAtOnceAsAPlainCall) {
  Send(0, 2, 8, clock_.Now() + absl::Milliseconds(40));
  AwaitOutcomes(1);
  const std::vector<worker_rpc::InferRequest> calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  const worker_rpc::InferRequest& call = calls[0];
  EXPECT_EQ(call.parts_size(), 0);
  EXPECT_EQ(call.inputs_size(), 2);
  EXPECT_NEAR(call.slo_budget_ms(), 40, 1e-6);
  absl::MutexLock lock(&mu_);
  const CallCoalescer::Outcome& outcome = outcomes_[0];
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_TRUE(outcome.answered_by_worker);
  EXPECT_EQ(outcome.answer.outputs_size(), 2);
  EXPECT_EQ(outcome.answer.batch_size(), 2);
  EXPECT_EQ(outcome.inputs.size(), 2);  // given back
}

TEST_F(CallCoalescerTest, QueriesThatFindTheCallsInFlightLeaveTogetherUpToTheMaxBatch) {
  HoldOneCallInFlight(4);
  // One call in flight (the limit): these wait, 5 inputs in all, max batch 4.
  Send(1, 1, 4, clock_.Now() + absl::Milliseconds(30));
  Send(2, 2, 4);
  Send(3, 1, 4);
  Send(4, 1, 4);
  EXPECT_EQ(worker_.infer_calls(), 1);
  worker_.Release();
  AwaitOutcomes(5);
  const std::vector<worker_rpc::InferRequest> calls = seen();
  ASSERT_EQ(calls.size(), 3u);
  // Oldest first: 1, 2 and 3 fill the batch of 4; 4 goes alone, as a plain call.
  const worker_rpc::InferRequest& together = calls[1];
  ASSERT_EQ(together.parts_size(), 3);
  EXPECT_EQ(together.inputs_size(), 4);
  EXPECT_EQ(together.parts(0).inputs(), 1);
  EXPECT_EQ(together.parts(1).inputs(), 2);
  EXPECT_NEAR(together.parts(0).slo_budget_ms(), 30, 1e-6);      // its own target
  EXPECT_NEAR(together.parts(1).slo_budget_ms(), 10'000, 1e-6);  // its caller's deadline
  EXPECT_EQ(together.inputs(1).raw_fp32(), "2");
  EXPECT_EQ(calls[2].parts_size(), 0);
  EXPECT_EQ(calls[2].inputs(0).raw_fp32(), "4");
  absl::MutexLock lock(&mu_);
  for (int n = 0; n < 5; ++n) {
    const CallCoalescer::Outcome& outcome = outcomes_[n];
    ASSERT_TRUE(outcome.status.ok()) << n << ": " << outcome.status;
    const int inputs = n == 2 ? 2 : 1;
    EXPECT_EQ(outcome.answer.outputs_size(), inputs) << n;
    ASSERT_EQ(outcome.inputs.size(), inputs) << n;
    EXPECT_EQ(outcome.inputs[0].raw_fp32(), std::to_string(n));  // its own, back
  }
  EXPECT_EQ(outcomes_[2].answer.batch_size(), 4);
}

TEST_F(CallCoalescerTest, EachPartKeepsItsOwnAnswer) {
  worker_.SetInfer([](const worker_rpc::InferRequest& r, worker_rpc::InferResponse* out) {
    FakeWorker::AnswerWith(3, r, out);
    if (r.parts_size() > 0) {
      worker_rpc::PartAnswer* refused = out->mutable_parts(1);
      refused->clear_outputs();
      refused->set_code(static_cast<int>(absl::StatusCode::kResourceExhausted));
      refused->set_message("variant v on worker w1: refused at once");
    }
    return grpc::Status::OK;
  });
  HoldOneCallInFlight();
  Send(1);
  Send(2);
  Send(3);
  worker_.Release();
  AwaitOutcomes(4);
  absl::MutexLock lock(&mu_);
  EXPECT_TRUE(outcomes_[1].status.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(outcomes_[2].status)) << outcomes_[2].status;
  EXPECT_TRUE(outcomes_[2].answered_by_worker);
  EXPECT_EQ(outcomes_[2].inputs.size(), 1);
  EXPECT_TRUE(outcomes_[3].status.ok());
  EXPECT_EQ(outcomes_[3].answer.outputs_size(), 1);
}

TEST_F(CallCoalescerTest, AQueryWhoseTargetOrDeadlinePassedWhileItWaitedIsNotSent) {
  HoldOneCallInFlight();
  Send(1, 1, 8, clock_.Now() + absl::Milliseconds(5));
  Send(2);
  Send(3, 1, 8, absl::InfiniteFuture(), absl::Milliseconds(5));  // no target, a deadline
  clock_.Advance(absl::Milliseconds(6));
  worker_.Release();
  AwaitOutcomes(4);
  const std::vector<worker_rpc::InferRequest> calls = seen();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].parts_size(), 0);  // only query 2 left
  EXPECT_EQ(calls[1].inputs(0).raw_fp32(), "2");
  absl::MutexLock lock(&mu_);
  EXPECT_TRUE(absl::IsDeadlineExceeded(outcomes_[1].status));
  EXPECT_THAT(outcomes_[1].status.message(),
              HasSubstr("latency target passed while the query waited for a call to the worker"));
  EXPECT_TRUE(absl::IsDeadlineExceeded(outcomes_[3].status));
  EXPECT_THAT(outcomes_[3].status.message(), HasSubstr("the deadline passed"));
  EXPECT_EQ(outcomes_[3].inputs.size(), 1);
  EXPECT_EQ(outcomes_[1].inputs.size(), 1);
  EXPECT_TRUE(outcomes_[2].status.ok());
}

TEST_F(CallCoalescerTest, AFailedCallFailsEachOfItsQueriesAndGivesTheirInputsBack) {
  worker_.SetInfer([](const worker_rpc::InferRequest&, worker_rpc::InferResponse*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused");
  });
  HoldOneCallInFlight();
  Send(1);
  Send(2, 2);
  worker_.Release();
  AwaitOutcomes(3);
  absl::MutexLock lock(&mu_);
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(absl::IsUnavailable(outcomes_[n].status)) << n;
    EXPECT_FALSE(outcomes_[n].answered_by_worker) << n;
  }
  ASSERT_EQ(outcomes_[2].inputs.size(), 2);
  EXPECT_EQ(outcomes_[2].inputs[1].raw_fp32(), "2");
}

TEST(CallCoalescerOffTest, WithoutCoalescingEveryQueryIsItsOwnCall) {
  FakeClock clock{absl::Now()};
  FakeWorker worker;
  WorkerClients clients([&](const std::string&) { return worker.NewStub(); });
  GrpcWorkerPort port(&clients);
  CallCoalescer coalescer(&port, &clock, {.calls_per_instance = 0});
  worker.Hold();
  absl::Mutex mu;
  int answered = 0;
  for (int n = 0; n < 4; ++n) {
    CallCoalescer::Query query{.deadline = clock.Now() + absl::Seconds(10)};
    query.inputs.Add()->set_raw_fp32("x");
    query.done = [&](CallCoalescer::Outcome outcome) {
      EXPECT_TRUE(outcome.status.ok()) << outcome.status;
      absl::MutexLock lock(&mu);
      ++answered;
    };
    coalescer.Send({.address = "fake:w1", .variant = "v", .max_batch = 8}, std::move(query));
  }
  worker.AwaitHeld(4);  // all four in flight at once
  worker.Release();
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int* n) { return *n == 4; }, &answered));
}

}  // namespace
}  // namespace infaas::controller
