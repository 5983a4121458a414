#include "common/grpc_status.h"

#include <gtest/gtest.h>

namespace infaas {
namespace {

TEST(GrpcStatusTest, RoundTripsCodeAndMessage) {
  for (absl::Status s : {absl::OkStatus(), absl::NotFoundError("variant x is not loaded"),
                         absl::DeadlineExceededError("late"), absl::UnavailableError("down")}) {
    EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(s)), s);
  }
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("bad")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace infaas
