#pragma once

// Converting between absl::Status and grpc::Status at the RPC edges. The
// codes share numbering; messages pass through unchanged.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas {

// Trailing metadata a worker adds to every Infer answer (its id as the
// value): an UNAVAILABLE that carries it came from a live worker ("still
// loading", "unloading"), one without it from a connection that failed.
inline constexpr absl::string_view kAnsweredByWorkerKey = "infaas-answered-by";

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace infaas
