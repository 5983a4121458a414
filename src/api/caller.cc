#include "api/caller.h"

#include "common/cluster_secret.h"
#include "common/status_macros.h"

namespace infaas::api {

absl::StatusOr<auth::Principal> CallerOf(const grpc::ServerContextBase& context,
                                         auth::Authenticator* authenticator, auth::Action action) {
  if (authenticator == nullptr) return auth::Principal::Operator();
  ASSIGN_OR_RETURN(auth::Principal caller,
                   authenticator->Authenticate(ClientMetadataValue(context, "authorization")));
  RETURN_IF_ERROR(auth::Authorize(caller, action));
  return caller;
}

}  // namespace infaas::api
