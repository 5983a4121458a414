#include "common/retry_after.h"

#include "gtest/gtest.h"

namespace infaas {
namespace {

TEST(RetryAfterTest, ARefusalCarriesItsHint) {
  absl::Status s = absl::ResourceExhaustedError("busy");
  EXPECT_FALSE(RetryAfter(s).has_value());
  SetRetryAfter(s, absl::Milliseconds(42));
  ASSERT_TRUE(RetryAfter(s).has_value());
  EXPECT_EQ(*RetryAfter(s), absl::Milliseconds(42));
  EXPECT_EQ(s.message(), "busy");
}

TEST(RetryAfterTest, NegativeHintsCountAsZeroAndOkCarriesNone) {
  absl::Status s = absl::ResourceExhaustedError("busy");
  SetRetryAfter(s, absl::Milliseconds(-5));
  EXPECT_EQ(*RetryAfter(s), absl::ZeroDuration());
  absl::Status ok;
  SetRetryAfter(ok, absl::Seconds(1));
  EXPECT_FALSE(RetryAfter(ok).has_value());
}

}  // namespace
}  // namespace infaas
