#include "cli/query_retry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

using ::testing::HasSubstr;

constexpr absl::StatusCode kUnavailable = absl::StatusCode::kUnavailable;

TEST(QueryRetryTest, ARefusalForNowWithAHintIsRetriedWithinTheBudget) {
  EXPECT_EQ(
      RetryDelay(kUnavailable, absl::Milliseconds(214), absl::ZeroDuration(), absl::Seconds(2)),
      absl::Milliseconds(214));
  EXPECT_EQ(RetryDelay(absl::StatusCode::kResourceExhausted, absl::Milliseconds(5),
                       absl::Milliseconds(100), absl::Seconds(2)),
            absl::Milliseconds(5));
  // A hint of 0 still waits a millisecond.
  EXPECT_EQ(RetryDelay(kUnavailable, absl::ZeroDuration(), absl::ZeroDuration(), absl::Seconds(2)),
            absl::Milliseconds(1));
}

TEST(QueryRetryTest, NoRetryPastTheBudgetWithoutAHintOrForAnotherError) {
  // The answer would come after the budget.
  EXPECT_EQ(
      RetryDelay(kUnavailable, absl::Milliseconds(300), absl::Milliseconds(1800), absl::Seconds(2)),
      std::nullopt);
  // --wait-ms 0: never.
  EXPECT_EQ(
      RetryDelay(kUnavailable, absl::Milliseconds(1), absl::ZeroDuration(), absl::ZeroDuration()),
      std::nullopt);
  EXPECT_EQ(RetryDelay(kUnavailable, std::nullopt, absl::ZeroDuration(), absl::Seconds(2)),
            std::nullopt);
  EXPECT_EQ(RetryDelay(absl::StatusCode::kFailedPrecondition, absl::Milliseconds(1),
                       absl::ZeroDuration(), absl::Seconds(2)),
            std::nullopt);
  EXPECT_EQ(RetryDelay(absl::StatusCode::kInvalidArgument, absl::Milliseconds(1),
                       absl::ZeroDuration(), absl::Seconds(2)),
            std::nullopt);
}

TEST(QueryRetryTest, ParsesTheTrailerAndRejectsNonsense) {
  EXPECT_EQ(ParseRetryAfterMs("214"), absl::Milliseconds(214));
  EXPECT_EQ(ParseRetryAfterMs("0"), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfterMs("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs("soon"), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs("99999999999999999999"), std::nullopt);
}

TEST(QueryRetryTest, SaysWhatHappened) {
  EXPECT_EQ(
      FormatFirstRefusal(absl::UnavailableError("vgg_mini is loading"), absl::Milliseconds(214)),
      "refused at first (UNAVAILABLE: vgg_mini is loading); retrying in 214 ms");
  EXPECT_THAT(FormatAnsweredOnRetry(absl::Milliseconds(230), 2),
              HasSubstr("answered on retry after 230 ms (2 tries)"));
}

}  // namespace
}  // namespace infaas::cli
