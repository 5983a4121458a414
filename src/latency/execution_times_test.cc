#include "latency/execution_times.h"

#include <limits>

#include "gtest/gtest.h"

namespace infaas::latency {
namespace {

TEST(ExecutionTimesTest, ReportsMedianAndP99PerBatchSize) {
  FakeClock clock;
  ExecutionTimes times(&clock);
  for (int i = 1; i <= 9; ++i) times.Record(1, i);
  times.Record(4, 30);
  const std::vector<BatchTiming> t = times.Take();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].batch_size, 1);
  EXPECT_DOUBLE_EQ(t[0].median_ms, 5);
  EXPECT_GT(t[0].p99_ms, 8.8);
  EXPECT_GT(t[0].p90_ms, 8);
  EXPECT_LT(t[0].p90_ms, t[0].p99_ms);
  EXPECT_EQ(t[0].samples, 9);
  EXPECT_EQ(t[1].batch_size, 4);
  EXPECT_DOUBLE_EQ(t[1].median_ms, 30);
}

TEST(ExecutionTimesTest, OneSlowRunSetsTheP99ButNotTheP90) {
  FakeClock clock;
  ExecutionTimes times(&clock);
  for (int i = 0; i < 31; ++i) times.Record(8, 10);
  times.Record(8, 90);
  const std::vector<BatchTiming> t = times.Take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_GT(t[0].p99_ms, 60);
  EXPECT_DOUBLE_EQ(t[0].p90_ms, 10);
}

TEST(ExecutionTimesTest, KeepsOnlyTheNewestRuns) {
  FakeClock clock;
  ExecutionTimes times(&clock, {.samples_per_batch = 4, .max_age = absl::Seconds(30)});
  for (int i = 0; i < 10; ++i) times.Record(1, 1);
  for (int i = 0; i < 4; ++i) times.Record(1, 50);
  const std::vector<BatchTiming> t = times.Take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t[0].median_ms, 50);
  EXPECT_EQ(t[0].samples, 4);
}

TEST(ExecutionTimesTest, OldRunsAgeOut) {
  FakeClock clock;
  ExecutionTimes times(&clock, {.samples_per_batch = 32, .max_age = absl::Seconds(10)});
  times.Record(2, 7);
  clock.Advance(absl::Seconds(11));
  times.Record(1, 3);
  const std::vector<BatchTiming> t = times.Take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].batch_size, 1);
}

TEST(ExecutionTimesTest, IgnoresNonsense) {
  FakeClock clock;
  ExecutionTimes times(&clock);
  times.Record(0, 5);
  times.Record(1, -1);
  times.Record(1, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(times.Take().empty());
}

}  // namespace
}  // namespace infaas::latency
