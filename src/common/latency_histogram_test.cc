#include "common/latency_histogram.h"

#include <gtest/gtest.h>

namespace infaas {
namespace {

TEST(LatencyHistogramTest, EmptyHistogramReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Percentile(50), 0);
  EXPECT_EQ(h.Mean(), 0);
}

TEST(LatencyHistogramTest, PercentilesAreWithinOneBucketOfTheTruth) {
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(i * 0.1);  // 0.1 .. 100 ms
  EXPECT_EQ(h.count(), 1000);
  EXPECT_NEAR(h.Percentile(50), 50.0, 5.0);
  EXPECT_NEAR(h.Percentile(99), 99.0, 10.0);
  EXPECT_NEAR(h.Mean(), 50.05, 1e-6);
  EXPECT_DOUBLE_EQ(h.min_ms(), 0.1);
  EXPECT_DOUBLE_EQ(h.max_ms(), 100.0);
  EXPECT_LE(h.Percentile(100), 100.0);
}

TEST(LatencyHistogramTest, OutOfRangeSamplesAreClampedNotLost) {
  LatencyHistogram h(1.0, 10.0, 2.0);
  h.Record(-5);
  h.Record(1e9);
  EXPECT_EQ(h.count(), 2);
  EXPECT_EQ(h.bucket_counts().front() + h.bucket_counts().back(), 2);
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a, b;
  a.Record(1);
  b.Record(2);
  b.Record(3);
  a.Merge(b);
  EXPECT_EQ(a.count(), 3);
  EXPECT_DOUBLE_EQ(a.sum_ms(), 6);
  EXPECT_DOUBLE_EQ(a.max_ms(), 3);
  a.Clear();
  EXPECT_EQ(a.count(), 0);
}

TEST(PercentileOfTest, InterpolatesBetweenRanks) {
  EXPECT_EQ(PercentileOf({}, 50), 0);
  EXPECT_DOUBLE_EQ(PercentileOf({5}, 99), 5);
  EXPECT_DOUBLE_EQ(PercentileOf({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(PercentileOf({1, 2, 3, 4, 5}, 100), 5);
  EXPECT_DOUBLE_EQ(PercentileOf({1, 2, 3, 4, 5}, 0), 1);
}

}  // namespace
}  // namespace infaas
