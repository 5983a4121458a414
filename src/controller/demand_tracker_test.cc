#include "controller/demand_tracker.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace infaas::controller {
namespace {

class DemandTrackerTest : public ::testing::Test {
 protected:
  // Starts on a whole second so that slots line up with the steps below.
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
};

TEST_F(DemandTrackerTest, ReportsRatesTightestSloAndPinningPerVariant) {
  DemandTracker tracker(&clock_, absl::Seconds(2));
  clock_.Advance(absl::Seconds(5));  // long enough since start
  for (int i = 0; i < 10; ++i) tracker.RecordDispatch("a", 50, /*pinned=*/false, 1);
  tracker.RecordDispatch("a", 20, false, 3);
  tracker.RecordDispatch("b", 0, /*pinned=*/true, 1);
  clock_.Advance(absl::Milliseconds(1000));  // one second of the two-second window passed

  DemandSnapshot demand = tracker.Snapshot();
  ASSERT_NE(demand.Find("a"), nullptr);
  EXPECT_DOUBLE_EQ(demand.Find("a")->qps, 11 / 1.0);
  EXPECT_DOUBLE_EQ(demand.Find("a")->items_per_s, 13 / 1.0);
  EXPECT_DOUBLE_EQ(demand.Find("a")->tightest_slo_ms, 20);
  EXPECT_EQ(demand.Find("a")->largest_batch, 3);
  EXPECT_FALSE(demand.Find("a")->pinned);
  EXPECT_TRUE(demand.Find("b")->pinned);
  EXPECT_EQ(demand.Find("b")->tightest_slo_ms, 0);  // none given
  EXPECT_EQ(demand.unmet_qps, 0);
}

TEST_F(DemandTrackerTest, ForgetsWhatFellOutOfTheWindow) {
  DemandTracker tracker(&clock_, absl::Seconds(2));
  clock_.Advance(absl::Seconds(5));
  for (int i = 0; i < 4; ++i) tracker.RecordDispatch("a", 10, false, 1);
  tracker.RecordUnmet();
  clock_.Advance(absl::Milliseconds(1500));
  DemandSnapshot demand = tracker.Snapshot();
  EXPECT_DOUBLE_EQ(demand.Find("a")->qps, 4 / 1.5);
  EXPECT_DOUBLE_EQ(demand.unmet_qps, 1 / 1.5);

  clock_.Advance(absl::Seconds(2));
  demand = tracker.Snapshot();
  EXPECT_EQ(demand.Find("a"), nullptr);
  EXPECT_EQ(demand.unmet_qps, 0);
}

TEST_F(DemandTrackerTest, NeverDividesByLessThanOneSecondRightAfterStart) {
  DemandTracker tracker(&clock_, absl::Seconds(5));
  tracker.RecordDispatch("a", 10, false, 1);
  clock_.Advance(absl::Milliseconds(10));
  EXPECT_DOUBLE_EQ(tracker.Snapshot().Find("a")->qps, 1.0);
}

}  // namespace
}  // namespace infaas::controller
