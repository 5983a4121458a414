#pragma once

// The caller of a gRPC call, from its "authorization" metadata, checked
// against what the method does (auth/access_rules.h).
//
//   absl::StatusOr<auth::Principal> caller =
//       CallerOf(*context, authenticator, auth::Action::kRegisterModel);
//   if (!caller.ok()) return ToGrpcStatus(caller.status());
//
// A null authenticator means authentication is off: the operator calls.
// Thread-safe.

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "auth/access_rules.h"
#include "auth/authenticator.h"

namespace infaas::api {

absl::StatusOr<auth::Principal> CallerOf(const grpc::ServerContextBase& context,
                                         auth::Authenticator* authenticator, auth::Action action);

}  // namespace infaas::api
