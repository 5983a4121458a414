// The emulated worker against the rules the real worker applies
// (latency/batching_rules.h), on hand-built records.

#include "sim/emulated_worker.h"

#include <gtest/gtest.h>

#include <vector>

#include "controller/testing/variant_records.h"

namespace infaas::sim {
namespace {

using controller::testing::MakeVariant;

struct Answer {
  absl::Status status;
  SimAnswer answer;
  absl::Time at;
};

class EmulatedWorkerTest : public ::testing::Test {
 protected:
  // Max batch 4: 2 ms at batch 1, 4 ms at 4; loads in 100 ms.
  v1::VariantRecord record_ =
      MakeVariant({.name = "lenet5_onnx_cpu1_b4", .max_batch = 4, .latency = {{1, 2.0}, {4, 4.0}}});

  void LoadAndWait(EmulatedWorker& worker, int instances) {
    absl::Status loaded = absl::UnknownError("not yet");
    worker.Load(record_, instances, [&](const absl::Status& s) { loaded = s; });
    loop_.RunUntil(loop_.now() + absl::Seconds(1));
    ASSERT_TRUE(loaded.ok()) << loaded;
  }

  void Send(EmulatedWorker& worker, absl::Duration slo = absl::InfiniteDuration()) {
    worker.Infer(
        {.variant = record_.config().name(),
         .examples = 1,
         .deadline = slo == absl::InfiniteDuration() ? absl::InfiniteFuture() : loop_.now() + slo,
         .done = [this](const absl::Status& s, const SimAnswer& a) {
           answers_.push_back({s, a, loop_.now()});
         }});
  }

  EventLoop loop_;
  std::vector<Answer> answers_;
};

TEST_F(EmulatedWorkerTest, QueriesThatArriveTogetherRunAsOneBatchAtItsProfiledTime) {
  EmulatedWorker worker(&loop_, {.id = "w1", .cores = 4});
  LoadAndWait(worker, 1);
  const absl::Time sent = loop_.now();
  for (int i = 0; i < 5; ++i) Send(worker);
  loop_.RunUntil(sent + absl::Seconds(1));
  ASSERT_EQ(answers_.size(), 5u);
  // The first leads a batch of one (the instance was idle); the next four
  // wait for it and run together.
  EXPECT_EQ(answers_[0].answer.batch_size, 1);
  EXPECT_EQ(answers_[0].at, sent + absl::Milliseconds(2));
  for (int i = 1; i < 5; ++i) {
    EXPECT_TRUE(answers_[i].status.ok());
    EXPECT_EQ(answers_[i].answer.batch_size, 4);
    EXPECT_EQ(answers_[i].at, sent + absl::Milliseconds(6));
  }
}

TEST_F(EmulatedWorkerTest, AQueryThatCannotMeetItsDeadlineIsRefusedAtOnce) {
  EmulatedWorker worker(&loop_, {.id = "w1", .cores = 4});
  LoadAndWait(worker, 1);
  for (int i = 0; i < 4; ++i) Send(worker);  // 2 ms + 4 ms of work queued
  Send(worker, absl::Milliseconds(3));       // cannot finish within 3 ms
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].status.code(), absl::StatusCode::kResourceExhausted);
  loop_.RunUntil(loop_.now() + absl::Seconds(1));
  EXPECT_EQ(answers_.size(), 5u);
}

TEST_F(EmulatedWorkerTest, LoadsTakeTheProfiledTimeAndNeedTheMemory) {
  EmulatedWorker worker(&loop_, {.id = "w1", .cores = 4, .memory_bytes = 100 << 20});
  absl::Status loaded = absl::UnknownError("not yet");
  const absl::Time asked = loop_.now();
  absl::Time at;
  worker.Load(record_, 1, [&](const absl::Status& s) {
    loaded = s;
    at = loop_.now();
  });
  Send(worker);  // while loading
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].status.code(), absl::StatusCode::kUnavailable);
  loop_.RunUntil(asked + absl::Seconds(1));
  EXPECT_TRUE(loaded.ok());
  EXPECT_EQ(at, asked + absl::Milliseconds(100));
  // 64 MiB each: a second instance does not fit in 100 MiB.
  worker.Load(record_, 2, [&](const absl::Status& s) { loaded = s; });
  EXPECT_EQ(loaded.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(worker.instances(), 1);
}

TEST_F(EmulatedWorkerTest, UnloadingDrainsTheQueueFirst) {
  EmulatedWorker worker(&loop_, {.id = "w1", .cores = 4});
  LoadAndWait(worker, 1);
  for (int i = 0; i < 3; ++i) Send(worker);
  ASSERT_TRUE(worker.Unload(record_.config().name(), 0).ok());
  Send(worker);  // nothing serves it any more
  loop_.RunUntil(loop_.now() + absl::Seconds(1));
  ASSERT_EQ(answers_.size(), 4u);
  int ok = 0;
  for (const Answer& a : answers_) ok += a.status.ok();
  EXPECT_EQ(ok, 3);  // the queued ones ran
  EXPECT_EQ(worker.instances(), 0);
  EXPECT_EQ(worker.Unload(record_.config().name(), 0).code(), absl::StatusCode::kNotFound);
}

TEST_F(EmulatedWorkerTest, TheHeartbeatCarriesWhatARealOneDoes) {
  EmulatedWorker worker(&loop_, {.id = "w1", .cores = 2, .memory_bytes = 1 << 30});
  LoadAndWait(worker, 1);
  worker.Heartbeat();  // starts the window
  for (int i = 0; i < 10; ++i) {
    Send(worker);
    loop_.RunUntil(loop_.now() + absl::Milliseconds(100));
  }
  const worker_rpc::HeartbeatRequest beat = worker.Heartbeat();
  EXPECT_EQ(beat.worker_id(), "w1");
  EXPECT_EQ(beat.cores(), 2);
  EXPECT_EQ(beat.free_memory_bytes(), (1 << 30) - (64 << 20));
  ASSERT_EQ(beat.variants_size(), 1);
  const worker_rpc::VariantLoad& load = beat.variants(0);
  EXPECT_EQ(load.instances(), 1);
  EXPECT_NEAR(load.arrival_qps(), 10, 1e-9);
  EXPECT_NEAR(load.served_qps(), 10, 1e-9);
  EXPECT_DOUBLE_EQ(load.p50_latency_ms(), 2);
  ASSERT_EQ(load.execution_size(), 1);
  EXPECT_EQ(load.execution(0).batch_size(), 1);
  EXPECT_DOUBLE_EQ(load.execution(0).median_ms(), 2);
  // 10 runs of 2 ms on one of 2 cores over 1 s.
  EXPECT_NEAR(beat.cpu_utilization(), 0.01, 1e-9);
}

}  // namespace
}  // namespace infaas::sim
