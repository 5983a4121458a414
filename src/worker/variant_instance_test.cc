#include "worker/variant_instance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/thread_priority.h"
#include "worker/testing/fake_model.h"

namespace infaas::worker {
namespace {

using ::testing::ElementsAre;
using testing::FakeModel;
using ::testing::HasSubstr;

// Collects one query's answer.
struct Answer {
  absl::Notification done;
  absl::StatusOr<InferResult> result;

  InferDone Callback() {
    return [this](absl::StatusOr<InferResult> r) {
      result = std::move(r);
      done.Notify();
    };
  }
  const absl::StatusOr<InferResult>& Wait() {
    done.WaitForNotification();
    return result;
  }
};

// A query of `rows` examples of two values each: row i is {base + i, base + i}.
Query MakeQuery(int rows, float base, Answer* answer,
                absl::Time deadline = absl::InfiniteFuture()) {
  Query query;
  query.examples.shape = {rows, 2};
  for (int i = 0; i < rows; ++i) {
    query.examples.data.push_back(base + static_cast<float>(i));
    query.examples.data.push_back(base + static_cast<float>(i));
  }
  query.deadline = deadline;
  query.done = answer->Callback();
  return query;
}

Query MakeOfflineQuery(int rows, float base, Answer* answer) {
  Query query = MakeQuery(rows, base, answer);
  query.priority = Priority::kOffline;
  return query;
}

// The values a FakeModel returns for MakeQuery(rows, base).
std::vector<float> ExpectedOutput(int rows, float base) {
  std::vector<float> values;
  for (int i = 0; i < rows; ++i) {
    values.push_back(base + static_cast<float>(i) + 1);
    values.push_back(base + static_cast<float>(i) + 1);
  }
  return values;
}

class VariantInstanceTest : public ::testing::Test {
 protected:
  void Start(FakeModel::Options options, Clock* clock = Clock::Real()) {
    options.name = "fake_b8";
    auto model = std::make_unique<FakeModel>(std::move(options));
    model_ = model.get();
    auto instance = VariantInstance::Create(std::move(model), {.worker_id = "w1", .clock = clock});
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_ = *std::move(instance);
  }

  // With the latency model's inputs: a profile, where runs are recorded.
  void StartPredicted(FakeModel::Options options, Clock* clock, v1::VariantProfile profile,
                      std::shared_ptr<latency::ExecutionTimes> times = nullptr) {
    options.name = "fake_b8";
    auto model = std::make_unique<FakeModel>(std::move(options));
    model_ = model.get();
    auto instance = VariantInstance::Create(std::move(model), {.worker_id = "w1",
                                                               .profile = std::move(profile),
                                                               .execution_times = std::move(times),
                                                               .clock = clock});
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_ = *std::move(instance);
  }

  FakeModel* model_ = nullptr;
  std::unique_ptr<VariantInstance> instance_;
};

// A profile of median = p99 = `ms_per_example` x batch, for batches 1, 2, 4, 8.
// `tail` scales the p99 against the median.
v1::VariantProfile LinearProfile(double ms_per_example, double tail = 1) {
  v1::VariantProfile profile;
  for (int b : {1, 2, 4, 8}) {
    v1::BatchLatency* l = profile.add_latency();
    l->set_batch_size(b);
    l->set_median_ms(ms_per_example * b);
    l->set_p99_ms(tail * ms_per_example * b);
  }
  return profile;
}

TEST_F(VariantInstanceTest, CombinesQueuedQueriesIntoOneBatchAndSplitsTheOutputInOrder) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer a, b, c, d;
  instance_->Enqueue(MakeQuery(1, 0, &a));
  model_->AwaitRunsStarted(1);  // a runs alone; the rest queue behind it
  instance_->Enqueue(MakeQuery(2, 10, &b));
  instance_->Enqueue(MakeQuery(1, 20, &c));
  instance_->Enqueue(MakeQuery(3, 30, &d));
  EXPECT_EQ(instance_->pending(), 4);
  model_->ReleaseRuns();

  ASSERT_TRUE(a.Wait().ok()) << a.result.status();
  ASSERT_TRUE(b.Wait().ok()) << b.result.status();
  ASSERT_TRUE(c.Wait().ok()) << c.result.status();
  ASSERT_TRUE(d.Wait().ok()) << d.result.status();
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 6));
  EXPECT_EQ(a.result->batch_size, 1);
  EXPECT_EQ(b.result->batch_size, 6);
  EXPECT_EQ(d.result->batch_size, 6);
  EXPECT_THAT(b.result->outputs.shape, ElementsAre(2, 2));
  EXPECT_EQ(b.result->outputs.data, ExpectedOutput(2, 10));
  EXPECT_EQ(c.result->outputs.data, ExpectedOutput(1, 20));
  EXPECT_EQ(d.result->outputs.data, ExpectedOutput(3, 30));
  EXPECT_EQ(instance_->pending(), 0);
  EXPECT_EQ(instance_->arrivals_total(), 4);
  EXPECT_EQ(instance_->served_total(), 4);
  EXPECT_EQ(instance_->batches_total(), 2);
}

TEST_F(VariantInstanceTest, LeavesAQueryThatDoesNotFitForTheNextBatch) {
  Start({.max_batch_size = 4, .hold_runs = true});
  Answer a, b, c, d;
  instance_->Enqueue(MakeQuery(1, 0, &a));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(3, 10, &b));
  instance_->Enqueue(MakeQuery(2, 20, &c));  // 3 + 2 > 4: waits for the next batch
  instance_->Enqueue(MakeQuery(2, 30, &d));
  model_->ReleaseRuns();

  ASSERT_TRUE(d.Wait().ok()) << d.result.status();
  ASSERT_TRUE(c.Wait().ok()) << c.result.status();
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 3, 4));
  EXPECT_EQ(c.result->outputs.data, ExpectedOutput(2, 20));
  EXPECT_EQ(d.result->outputs.data, ExpectedOutput(2, 30));
  EXPECT_EQ(b.Wait()->batch_size, 3);
}

TEST_F(VariantInstanceTest, RejectsAQueryLargerThanTheMaxBatchSizeAtEnqueue) {
  Start({.max_batch_size = 8});
  Answer answer;
  instance_->Enqueue(MakeQuery(9, 0, &answer));
  ASSERT_TRUE(answer.done.HasBeenNotified());  // answered before Enqueue returned
  EXPECT_EQ(answer.result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(answer.result.status().message(), HasSubstr("max batch size 8"));
  EXPECT_TRUE(model_->batch_sizes().empty());
  EXPECT_EQ(instance_->pending(), 0);
}

TEST_F(VariantInstanceTest, RejectsATensorWhoseValuesDoNotMatchItsShape) {
  Start({.max_batch_size = 8});
  Answer answer;
  Query query = MakeQuery(2, 0, &answer);
  query.examples.data.pop_back();
  instance_->Enqueue(std::move(query));
  EXPECT_EQ(answer.Wait().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(VariantInstanceTest, CloseLetsTheRunningBatchFinishAndFailsQueuedQueriesWithUnavailable) {
  Start({.max_batch_size = 2, .hold_runs = true});
  Answer running, queued1, queued2, late;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(2, 10, &queued1));
  instance_->Enqueue(MakeQuery(1, 20, &queued2));
  instance_->BeginClose();
  instance_->Enqueue(MakeQuery(1, 30, &late));
  EXPECT_EQ(late.Wait().status().code(), absl::StatusCode::kUnavailable);
  model_->ReleaseRuns();
  instance_->Close();

  ASSERT_TRUE(running.Wait().ok()) << running.result.status();
  EXPECT_EQ(queued1.Wait().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(queued2.Wait().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(queued1.result.status().message(), "variant fake_b8 on worker w1 is unloading");
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1));
  EXPECT_EQ(instance_->pending(), 0);
}

TEST_F(VariantInstanceTest, DrainRunsEveryQueuedQueryAndRefusesNewOnes) {
  Start({.max_batch_size = 2, .hold_runs = true});
  Answer running, queued1, queued2, late;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(2, 10, &queued1));
  instance_->Enqueue(MakeQuery(1, 20, &queued2));
  std::thread drain([&] { instance_->Drain(); });
  // Queries that arrive before the drain begins are accepted and must run
  // too; the first one refused shows the drain has begun.
  std::vector<std::unique_ptr<Answer>> accepted;
  while (true) {
    auto probe = std::make_unique<Answer>();
    instance_->Enqueue(MakeQuery(1, 30, probe.get()));
    if (probe->done.HasBeenNotified()) {
      EXPECT_EQ(probe->result.status().code(), absl::StatusCode::kUnavailable);
      break;
    }
    accepted.push_back(std::move(probe));
    absl::SleepFor(absl::Milliseconds(1));
  }
  model_->ReleaseRuns();
  drain.join();

  ASSERT_TRUE(running.Wait().ok()) << running.result.status();
  ASSERT_TRUE(queued1.Wait().ok()) << queued1.result.status();
  ASSERT_TRUE(queued2.Wait().ok()) << queued2.result.status();
  EXPECT_EQ(queued1.result->outputs.data, ExpectedOutput(2, 10));
  EXPECT_EQ(queued2.result->outputs.data, ExpectedOutput(1, 20));
  for (const auto& probe : accepted) EXPECT_TRUE(probe->Wait().ok()) << probe->result.status();
  EXPECT_EQ(instance_->pending(), 0);
  instance_->Close();  // returns at once
}

TEST_F(VariantInstanceTest, DropsAQueryWhoseDeadlinePassedWhileItWaited) {
  FakeClock clock;
  Start({.max_batch_size = 8, .hold_runs = true}, &clock);
  Answer running, expired, patient;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(1, 10, &expired, clock.Now() + absl::Milliseconds(50)));
  instance_->Enqueue(MakeQuery(1, 20, &patient));
  clock.Advance(absl::Seconds(1));
  model_->ReleaseRuns();

  EXPECT_EQ(expired.Wait().status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(patient.Wait().ok()) << patient.result.status();
  EXPECT_EQ(patient.result->batch_size, 1);
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 1));  // the expired one never ran
}

TEST_F(VariantInstanceTest, RefusesAtOnceAQueryPredictedToFinishAfterItsDeadline) {
  FakeClock clock;
  StartPredicted({.max_batch_size = 8, .hold_runs = true}, &clock, LinearProfile(10));
  Answer running, tight, loose;
  std::vector<std::unique_ptr<Answer>> queued;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  for (int i = 0; i < 4; ++i) {
    queued.push_back(std::make_unique<Answer>());
    instance_->Enqueue(MakeQuery(1, 10, queued.back().get()));
  }
  // Ahead of it: the running batch (10 ms) and four inputs (one batch, 40 ms);
  // its own run 10 ms: 60 ms in all.
  instance_->Enqueue(MakeQuery(1, 20, &tight, clock.Now() + absl::Milliseconds(50)));
  ASSERT_TRUE(tight.done.HasBeenNotified()) << "refused before anything else ran";
  EXPECT_EQ(tight.result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(tight.result.status().message(), HasSubstr("predicted to finish"));
  instance_->Enqueue(MakeQuery(1, 30, &loose, clock.Now() + absl::Milliseconds(70)));
  model_->ReleaseRuns();
  EXPECT_TRUE(loose.Wait().ok()) << loose.result.status();
  for (const auto& q : queued) EXPECT_TRUE(q->Wait().ok());
}

TEST_F(VariantInstanceTest, DropsBeforeRunningAQueryThatCanNoLongerFinishInTime) {
  FakeClock clock;
  StartPredicted({.max_batch_size = 8, .hold_runs = true}, &clock, LinearProfile(10));
  Answer running, late;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(1, 10, &late, clock.Now() + absl::Milliseconds(50)));
  // The running batch takes 45 ms: 5 ms are left, and a run takes 10.
  clock.Advance(absl::Milliseconds(45));
  model_->ReleaseRuns();
  EXPECT_EQ(late.Wait().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(late.result.status().message(), HasSubstr("dropped before running"));
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1));  // it never ran
}

TEST_F(VariantInstanceTest, DeadlineRulesAllowForTheTailNotTheMedian) {
  FakeClock clock;
  // A run takes 10 ms at the median and 25 at the tail.
  StartPredicted({.max_batch_size = 8, .hold_runs = true}, &clock, LinearProfile(10, 2.5));
  Answer running, cut_close, roomy;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(1, 10, &cut_close, clock.Now() + absl::Milliseconds(120)));
  instance_->Enqueue(MakeQuery(1, 20, &roomy, clock.Now() + absl::Milliseconds(200)));
  // 15 ms are left of `cut_close`: its median run fits, its tail does not.
  clock.Advance(absl::Milliseconds(105));
  model_->ReleaseRuns();
  EXPECT_EQ(cut_close.Wait().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(cut_close.result.status().message(), HasSubstr("dropped before running"));
  ASSERT_TRUE(roomy.Wait().ok()) << roomy.result.status();
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 1));
}

TEST_F(VariantInstanceTest, ABatchGrowsOnlyWhileItStillMeetsTheEarliestDeadlineInIt) {
  FakeClock clock;
  StartPredicted({.max_batch_size = 8, .hold_runs = true}, &clock, LinearProfile(10));
  Answer running, urgent, second, third;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  // Two inputs take 20 ms, three 30: the third would make `urgent` late.
  instance_->Enqueue(MakeQuery(1, 10, &urgent, clock.Now() + absl::Milliseconds(45)));
  instance_->Enqueue(MakeQuery(1, 20, &second));
  instance_->Enqueue(MakeQuery(1, 30, &third));
  clock.Advance(absl::Milliseconds(20));
  model_->ReleaseRuns();
  ASSERT_TRUE(urgent.Wait().ok()) << urgent.result.status();
  ASSERT_TRUE(third.Wait().ok()) << third.result.status();
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 2, 1));
  EXPECT_EQ(urgent.result->batch_size, 2);
}

TEST_F(VariantInstanceTest, RecordsBatchTimesAfterTheWarmUpAndPredictsFromThem) {
  FakeClock clock;
  auto times = std::make_shared<latency::ExecutionTimes>(&clock);
  StartPredicted({.max_batch_size = 8}, &clock, LinearProfile(10), times);
  EXPECT_DOUBLE_EQ(instance_->Estimate(1).median_ms, 10);  // the profile alone
  for (int i = 0; i < 4; ++i) {
    Answer answer;
    instance_->Enqueue(MakeQuery(1, 0, &answer));
    ASSERT_TRUE(answer.Wait().ok());
    clock.Advance(absl::Milliseconds(100));  // the fake runs take no time at all
  }
  const std::vector<latency::BatchTiming> recorded = times->Take();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].batch_size, 1);
  EXPECT_EQ(recorded[0].samples, 2);  // four runs, the first two warm-up
  EXPECT_DOUBLE_EQ(recorded[0].median_ms, 0);
  // One more run refreshes the estimates from what was recorded.
  Answer last;
  instance_->Enqueue(MakeQuery(1, 0, &last));
  ASSERT_TRUE(last.Wait().ok());
  EXPECT_LT(instance_->Estimate(1).median_ms, 10);
}

TEST_F(VariantInstanceTest, RefusesAQueryWhenTheQueuedBytesWouldPassTheLimit) {
  auto model = std::make_unique<FakeModel>(FakeModel::Options{.hold_runs = true});
  FakeModel* fake = model.get();
  // A query of one row is two floats: 8 bytes.
  auto instance = VariantInstance::Create(
      std::move(model), {.worker_id = "w1", .queue_capacity = 100, .queue_bytes_capacity = 16});
  ASSERT_TRUE(instance.ok());
  Answer running, queued1, queued2, refused;
  (*instance)->Enqueue(MakeQuery(1, 0, &running));
  fake->AwaitRunsStarted(1);
  (*instance)->Enqueue(MakeQuery(1, 10, &queued1));
  (*instance)->Enqueue(MakeQuery(1, 20, &queued2));
  (*instance)->Enqueue(MakeQuery(1, 30, &refused));
  EXPECT_EQ(refused.Wait().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.result.status().message(), HasSubstr("MiB of input"));
  fake->ReleaseRuns();
  EXPECT_TRUE(queued1.Wait().ok());
  EXPECT_TRUE(queued2.Wait().ok());
}

TEST_F(VariantInstanceTest, ReportsEachQuerysQueueTimeAndItsBatchsComputeTime) {
  FakeClock clock;
  Start({.max_batch_size = 8, .hold_runs = true}, &clock);
  Answer first, second;
  instance_->Enqueue(MakeQuery(1, 0, &first));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(1, 10, &second));
  clock.Advance(absl::Milliseconds(30));  // the first batch "computes" 30 ms
  model_->ReleaseRuns();

  ASSERT_TRUE(first.Wait().ok());
  ASSERT_TRUE(second.Wait().ok());
  EXPECT_EQ(first.result->queue_time, absl::ZeroDuration());
  EXPECT_EQ(first.result->compute_time, absl::Milliseconds(30));
  EXPECT_EQ(second.result->queue_time, absl::Milliseconds(30));
  EXPECT_EQ(second.result->compute_time, absl::ZeroDuration());
  const internal::RecentStats::Snapshot recent = instance_->RecentLoad();
  EXPECT_DOUBLE_EQ(recent.arrival_qps, 2.0);  // two queries in the first second
  EXPECT_DOUBLE_EQ(recent.served_qps, 2.0);
  EXPECT_DOUBLE_EQ(recent.AverageBatch(), 1.0);
  EXPECT_EQ(recent.latency.count(), 2);
}

TEST_F(VariantInstanceTest, GivesTheModelsErrorToEveryQueryOfTheBatch) {
  Start({.max_batch_size = 8, .hold_runs = true, .run_error = absl::InternalError("boom")});
  Answer a, b, c;
  instance_->Enqueue(MakeQuery(1, 0, &a));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeQuery(1, 10, &b));
  instance_->Enqueue(MakeQuery(1, 20, &c));
  model_->ReleaseRuns();
  EXPECT_EQ(a.Wait().status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(b.Wait().status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(c.Wait().status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 2));
}

TEST_F(VariantInstanceTest, RefusesAQueryWhenTheQueueIsFull) {
  auto model = std::make_unique<FakeModel>(FakeModel::Options{.hold_runs = true});
  FakeModel* fake = model.get();
  auto instance =
      VariantInstance::Create(std::move(model), {.worker_id = "w1", .queue_capacity = 1});
  ASSERT_TRUE(instance.ok());
  Answer running, queued, refused;
  (*instance)->Enqueue(MakeQuery(1, 0, &running));
  fake->AwaitRunsStarted(1);
  (*instance)->Enqueue(MakeQuery(1, 10, &queued));
  (*instance)->Enqueue(MakeQuery(1, 20, &refused));
  EXPECT_EQ(refused.Wait().status().code(), absl::StatusCode::kResourceExhausted);
  fake->ReleaseRuns();
  EXPECT_TRUE(running.Wait().ok());
  EXPECT_TRUE(queued.Wait().ok());
}

TEST_F(VariantInstanceTest, OnlineQueriesRunBeforeOfflineQueriesThatQueuedEarlier) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer running, offline1, offline2, offline3, online1, online2;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeOfflineQuery(1, 10, &offline1));
  instance_->Enqueue(MakeOfflineQuery(1, 20, &offline2));
  instance_->Enqueue(MakeOfflineQuery(1, 30, &offline3));
  instance_->Enqueue(MakeQuery(1, 40, &online1));
  instance_->Enqueue(MakeQuery(1, 50, &online2));
  model_->ReleaseRuns();

  ASSERT_TRUE(offline3.Wait().ok()) << offline3.result.status();
  ASSERT_TRUE(online2.Wait().ok()) << online2.result.status();
  // The two online queries form the second batch; the three offline ones the last.
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 2, 3));
  EXPECT_EQ(online1.Wait()->batch_size, 2);
  EXPECT_EQ(offline1.Wait()->batch_size, 3);
  EXPECT_EQ(offline2.result->outputs.data, ExpectedOutput(1, 20));
  EXPECT_EQ(online2.result->outputs.data, ExpectedOutput(1, 50));
}

TEST_F(VariantInstanceTest, AnOnlineQueryWaitsForAtMostTheOneRunningOfflineBatch) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer offline_running, offline_queued1, offline_queued2, online;
  instance_->Enqueue(MakeOfflineQuery(1, 0, &offline_running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeOfflineQuery(1, 10, &offline_queued1));
  instance_->Enqueue(MakeOfflineQuery(1, 20, &offline_queued2));
  instance_->Enqueue(MakeQuery(1, 30, &online));
  model_->ReleaseRuns();

  ASSERT_TRUE(offline_queued2.Wait().ok()) << offline_queued2.result.status();
  ASSERT_TRUE(online.Wait().ok()) << online.result.status();
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 1, 2));
  EXPECT_EQ(online.result->batch_size, 1);
  EXPECT_EQ(offline_queued1.Wait()->batch_size, 2);
}

TEST_F(VariantInstanceTest, OfflineQueriesAreLeftOutOfTheOnlineLoad) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer first, second;
  instance_->Enqueue(MakeOfflineQuery(2, 0, &first));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeOfflineQuery(1, 10, &second));
  EXPECT_EQ(instance_->pending(), 0);
  EXPECT_EQ(instance_->offline_pending(), 2);
  model_->ReleaseRuns();

  ASSERT_TRUE(first.Wait().ok());
  ASSERT_TRUE(second.Wait().ok());
  EXPECT_EQ(first.result->outputs.data, ExpectedOutput(2, 0));
  EXPECT_EQ(instance_->offline_pending(), 0);
  EXPECT_EQ(instance_->offline_served_total(), 2);
  EXPECT_EQ(instance_->served_total(), 0);
  EXPECT_EQ(instance_->arrivals_total(), 0);
  EXPECT_EQ(instance_->RecentLoad().served_qps, 0);
}

TEST_F(VariantInstanceTest, OfflineBatchesRunAtLowPriorityButAreAnsweredAtNormalPriority) {
  Start({.max_batch_size = 8});
  absl::Notification offline_done, online_done;
  bool offline_answered_low = true;
  Answer unused;  // its callbacks are replaced below
  Query offline = MakeOfflineQuery(1, 0, &unused);
  offline.done = [&](absl::StatusOr<InferResult>) {
    offline_answered_low = ThisThreadHasLowPriority();
    offline_done.Notify();
  };
  instance_->Enqueue(std::move(offline));
  offline_done.WaitForNotification();
  Query online = MakeQuery(1, 0, &unused);
  online.done = [&](absl::StatusOr<InferResult>) { online_done.Notify(); };
  instance_->Enqueue(std::move(online));
  online_done.WaitForNotification();
  // Answering takes gRPC's locks, which a preempted idle thread must not hold.
  EXPECT_FALSE(offline_answered_low);
  EXPECT_THAT(model_->low_priority_runs(), ElementsAre(true, false));
}

TEST_F(VariantInstanceTest, CloseFailsQueuedOfflineQueriesWithUnavailable) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer running, offline;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeOfflineQuery(1, 10, &offline));  // waits for the online batch
  instance_->BeginClose();
  model_->ReleaseRuns();
  instance_->Close();

  ASSERT_TRUE(running.Wait().ok());
  EXPECT_EQ(offline.Wait().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1));
  EXPECT_EQ(instance_->offline_pending(), 0);
}

TEST_F(VariantInstanceTest, DrainRunsQueuedOfflineQueriesTooAfterTheOnlineOnes) {
  Start({.max_batch_size = 8, .hold_runs = true});
  Answer running, offline, online;
  instance_->Enqueue(MakeQuery(1, 0, &running));
  model_->AwaitRunsStarted(1);
  instance_->Enqueue(MakeOfflineQuery(1, 10, &offline));
  instance_->Enqueue(MakeQuery(1, 20, &online));
  std::thread drain([&] { instance_->Drain(); });
  model_->ReleaseRuns();
  drain.join();

  ASSERT_TRUE(online.Wait().ok()) << online.result.status();
  ASSERT_TRUE(offline.Wait().ok()) << offline.result.status();
  EXPECT_EQ(offline.result->outputs.data, ExpectedOutput(1, 10));
  EXPECT_THAT(model_->batch_sizes(), ElementsAre(1, 1, 1));
  EXPECT_EQ(instance_->offline_pending(), 0);
  EXPECT_EQ(instance_->pending(), 0);
}

}  // namespace
}  // namespace infaas::worker
