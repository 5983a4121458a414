#include "common/status_macros.h"

#include <gtest/gtest.h>

namespace infaas {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::Status CheckEven(int x) { return Half(x).status(); }

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status BothEven(int a, int b) {
  RETURN_IF_ERROR(CheckEven(a));
  RETURN_IF_ERROR(CheckEven(b));
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPassesValuesThrough) {
  absl::StatusOr<int> q = Quarter(12);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesTheFirstError) {
  absl::StatusOr<int> q = Quarter(6);  // 6 -> 3 -> odd
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q.status().message(), "odd");
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstFailure) {
  EXPECT_TRUE(BothEven(2, 4).ok());
  EXPECT_EQ(BothEven(2, 5).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsToAnExistingVariable) {
  auto f = []() -> absl::Status {
    int x = 0;
    ASSIGN_OR_RETURN(x, Half(8));
    return x == 4 ? absl::OkStatus() : absl::InternalError("wrong value");
  };
  EXPECT_TRUE(f().ok());
}

}  // namespace
}  // namespace infaas
