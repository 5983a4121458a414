#pragma once

// Converting between absl::Status and grpc::Status at the RPC edges. The
// codes share numbering; messages pass through unchanged.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace infaas {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace infaas
