#include "controller/in_flight_limit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/retry_after.h"

namespace infaas::controller {
namespace {

using ::testing::HasSubstr;

TEST(InFlightLimitTest, BoundsQueriesAndBytesAndGivesRoomBackOnRelease) {
  InFlightLimit limit({.max_queries = 2, .max_bytes = 100});
  absl::StatusOr<InFlightLimit::Reservation> a = limit.Admit(60);
  ASSERT_TRUE(a.ok());
  absl::StatusOr<InFlightLimit::Reservation> too_large = limit.Admit(50);
  EXPECT_EQ(too_large.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(too_large.status().message(), HasSubstr("--max-bytes-in-flight"));
  EXPECT_TRUE(RetryAfter(too_large.status()).has_value());
  absl::StatusOr<InFlightLimit::Reservation> b = limit.Admit(40);
  ASSERT_TRUE(b.ok());
  absl::StatusOr<InFlightLimit::Reservation> too_many = limit.Admit(0);
  EXPECT_THAT(too_many.status().message(), HasSubstr("--max-queries-in-flight"));
  EXPECT_EQ(limit.queries(), 2);
  EXPECT_EQ(limit.bytes(), 100);
  a->Release();
  a->Release();  // once only
  EXPECT_EQ(limit.queries(), 1);
  EXPECT_EQ(limit.bytes(), 40);
  { InFlightLimit::Reservation moved = *std::move(b); }  // released by its new owner
  EXPECT_EQ(limit.queries(), 0);
  EXPECT_EQ(limit.bytes(), 0);
  EXPECT_TRUE(limit.Admit(100).ok());
}

TEST(InFlightLimitTest, ZeroMeansNoBound) {
  InFlightLimit limit({});
  std::vector<InFlightLimit::Reservation> held;
  for (int i = 0; i < 1000; ++i) held.push_back(*limit.Admit(1 << 20));
  EXPECT_EQ(limit.queries(), 1000);
}

}  // namespace
}  // namespace infaas::controller
