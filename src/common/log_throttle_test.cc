#include "common/log_throttle.h"

#include <gtest/gtest.h>

namespace infaas {
namespace {

TEST(LogThrottleTest, LetsOneThroughPerPeriodAndCountsTheRest) {
  LogThrottle throttle(absl::Seconds(10));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_EQ(throttle.Admit(t0), 0);
  EXPECT_EQ(throttle.Admit(t0 + absl::Seconds(1)), std::nullopt);
  EXPECT_EQ(throttle.Admit(t0 + absl::Seconds(9)), std::nullopt);
  EXPECT_EQ(throttle.Admit(t0 + absl::Seconds(10)), 2);  // two held back
  EXPECT_EQ(throttle.Admit(t0 + absl::Seconds(30)), 0);
}

}  // namespace
}  // namespace infaas
