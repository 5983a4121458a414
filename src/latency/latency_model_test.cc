#include "latency/latency_model.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace infaas::latency {
namespace {

// Batch 1: 10 ms (p99 12), batch 4: 20 ms (p99 30).
v1::VariantProfile TwoPointProfile() {
  v1::VariantProfile p;
  auto* b1 = p.add_latency();
  b1->set_batch_size(1);
  b1->set_median_ms(10);
  b1->set_p99_ms(12);
  auto* b4 = p.add_latency();
  b4->set_batch_size(4);
  b4->set_median_ms(20);
  b4->set_p99_ms(30);
  return p;
}

TEST(ProfileTest, InterpolatesBetweenMeasuredBatchSizes) {
  const v1::VariantProfile p = TwoPointProfile();
  EXPECT_DOUBLE_EQ(ProfileMedianMs(p, 1), 10);
  EXPECT_NEAR(ProfileMedianMs(p, 2), 10 + 10.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(ProfileMedianMs(p, 4), 20);
  EXPECT_DOUBLE_EQ(ProfileP99Ms(p, 4), 30);
  EXPECT_TRUE(std::isinf(ProfileMedianMs(v1::VariantProfile(), 1)));
}

TEST(LatencyModelTest, WithoutMeasurementsThePriorIsTheProfile) {
  const ExecutionEstimate e = EstimateExecution(TwoPointProfile(), {}, 4);
  EXPECT_DOUBLE_EQ(e.median_ms, 20);
  EXPECT_DOUBLE_EQ(e.p99_ms, 30);
  EXPECT_DOUBLE_EQ(e.p90_ms, 30);  // the profile's tail is its p99
  EXPECT_EQ(e.measured_runs, 0);
}

TEST(LatencyModelTest, TheTailFollowsTheMeasuredP90AndStaysBetweenMedianAndP99) {
  const std::vector<BatchTiming> measured = {
      {.batch_size = 4, .median_ms = 20, .p99_ms = 80, .p90_ms = 24, .samples = 32}};
  const ExecutionEstimate e = EstimateExecution(TwoPointProfile(), measured, 4);
  EXPECT_NEAR(e.p90_ms, 24, 1.0);
  EXPECT_GE(e.p90_ms, e.median_ms);
  EXPECT_LE(e.p90_ms, e.p99_ms);
  // A heartbeat's timing has no p90: its p99 stands in.
  const std::vector<BatchTiming> reported = {
      {.batch_size = 4, .median_ms = 20, .p99_ms = 40, .samples = 32}};
  EXPECT_NEAR(EstimateExecution(TwoPointProfile(), reported, 4).p90_ms, 40, 1.0);
}

TEST(LatencyModelTest, ABatchSizeRunOftenIsPredictedByItsOwnRuns) {
  const std::vector<BatchTiming> measured = {
      {.batch_size = 4, .median_ms = 40, .p99_ms = 50, .samples = 32}};
  const ExecutionEstimate e = EstimateExecution(TwoPointProfile(), measured, 4);
  EXPECT_NEAR(e.median_ms, 40, 1.0);
  EXPECT_NEAR(e.p99_ms, 50, 1.5);
  EXPECT_EQ(e.measured_runs, 32);
}

TEST(LatencyModelTest, InterferenceAtOneBatchSizeScalesTheOthers) {
  // Batch 1 runs twice as slowly as profiled: batch 4, never run here, is
  // predicted about twice as slow too.
  const std::vector<BatchTiming> measured = {
      {.batch_size = 1, .median_ms = 20, .p99_ms = 24, .samples = 30}};
  const ExecutionEstimate e = EstimateExecution(TwoPointProfile(), measured, 4);
  EXPECT_NEAR(e.median_ms, 40, 3.0);
  EXPECT_GT(e.median_ms, 35);
  EXPECT_GT(e.p99_ms, e.median_ms);
}

TEST(LatencyModelTest, ASingleRunMovesThePredictionOnlyPartly) {
  const std::vector<BatchTiming> measured = {
      {.batch_size = 1, .median_ms = 100, .p99_ms = 100, .samples = 1}};
  const ExecutionEstimate e = EstimateExecution(TwoPointProfile(), measured, 1);
  EXPECT_GT(e.median_ms, 10);
  EXPECT_LT(e.median_ms, 100);
}

TEST(LatencyModelTest, FasterThanProfiledLowersThePrediction) {
  const std::vector<BatchTiming> measured = {
      {.batch_size = 1, .median_ms = 5, .p99_ms = 6, .samples = 40}};
  EXPECT_LT(EstimateExecution(TwoPointProfile(), measured, 4).median_ms, 15);
}

TEST(LatencyModelTest, WithoutAProfileTheNearestMeasurementScales) {
  const std::vector<BatchTiming> measured = {
      {.batch_size = 2, .median_ms = 8, .p99_ms = 9, .samples = 5}};
  EXPECT_DOUBLE_EQ(EstimateExecution(v1::VariantProfile(), measured, 1).median_ms, 8);
  EXPECT_DOUBLE_EQ(EstimateExecution(v1::VariantProfile(), measured, 4).median_ms, 16);
  EXPECT_TRUE(std::isinf(EstimateExecution(v1::VariantProfile(), {}, 1).median_ms));
}

TEST(LatencyModelTest, BacklogRunsInFullBatchesThenTheRest) {
  const v1::VariantProfile p = TwoPointProfile();
  EXPECT_DOUBLE_EQ(BacklogMs(p, {}, 0, 4), 0);
  EXPECT_DOUBLE_EQ(BacklogMs(p, {}, 8, 4), 40);
  EXPECT_DOUBLE_EQ(BacklogMs(p, {}, 9, 4), 50);
  EXPECT_DOUBLE_EQ(BacklogMs(p, {}, 3, 1), 30);
}

}  // namespace
}  // namespace infaas::latency
