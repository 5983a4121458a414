#include "worker/internal/recent_stats.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace infaas::worker::internal {
namespace {

TEST(RecentStatsTest, CountsRatesOverAtLeastOneSecond) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RecentStats stats(&clock, absl::Seconds(5));
  for (int i = 0; i < 4; ++i) stats.RecordArrival();
  stats.RecordBatch(3);
  stats.RecordBatch(1);
  for (int i = 0; i < 4; ++i) stats.RecordServed(10.0);
  RecentStats::Snapshot s = stats.Take();
  EXPECT_DOUBLE_EQ(s.arrival_qps, 4.0);
  EXPECT_DOUBLE_EQ(s.served_qps, 4.0);
  EXPECT_DOUBLE_EQ(s.AverageBatch(), 2.0);
  EXPECT_EQ(s.latency.count(), 4);
}

TEST(RecentStatsTest, SpreadsCountsOverTheTimeTheWindowCovers) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RecentStats stats(&clock, absl::Seconds(5));
  for (int i = 0; i < 8; ++i) stats.RecordServed(1.0);
  clock.Advance(absl::Seconds(4));
  EXPECT_DOUBLE_EQ(stats.Take().served_qps, 2.0);  // 8 queries in 4 s
}

TEST(RecentStatsTest, ForgetsWhatFellOutOfTheWindow) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RecentStats stats(&clock, absl::Seconds(5));
  stats.RecordArrival();
  stats.RecordServed(5.0);
  clock.Advance(absl::Seconds(6));
  stats.RecordArrival();
  RecentStats::Snapshot s = stats.Take();
  // At a whole second the window covers four full slots and an empty one.
  EXPECT_DOUBLE_EQ(s.arrival_qps, 0.25);
  EXPECT_EQ(s.served_qps, 0.0);
  EXPECT_EQ(s.latency.count(), 0);
}

TEST(RecentStatsTest, MergedSnapshotsAddRatesAndPoolLatency) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RecentStats a(&clock);
  RecentStats b(&clock);
  a.RecordServed(1.0);
  b.RecordServed(3.0);
  b.RecordServed(3.0);
  RecentStats::Snapshot merged = a.Take();
  merged.Merge(b.Take());
  EXPECT_DOUBLE_EQ(merged.served_qps, 3.0);
  EXPECT_EQ(merged.latency.count(), 3);
}

}  // namespace
}  // namespace infaas::worker::internal
