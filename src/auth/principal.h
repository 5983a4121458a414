#pragma once

// Who is calling: the tenant and role of the API key a request carried.
//
//   ASSIGN_OR_RETURN(auth::Principal caller, authenticator.Authenticate(header));
//   RETURN_IF_ERROR(auth::Authorize(caller, auth::Action::kRegisterModel));
//
// A value type; thread-compatible.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace infaas::auth {

enum class Role {
  kAdmin,    // operates the cluster: models, repository, workers, every job, keys
  kUser,     // queries the models its tenant may see; its tenant's offline jobs
  kMetrics,  // reads /metrics
};

absl::string_view RoleName(Role role);
// "admin", "user" or "metrics"; nullopt for anything else.
std::optional<Role> ParseRole(absl::string_view name);

struct Principal {
  std::string tenant;
  Role role = Role::kUser;
  // The key's public id, for logs and errors; empty when authentication is off.
  std::string key_id;

  // Every request while authentication is off: an admin of no tenant.
  static Principal Operator() {
    return Principal{.tenant = "", .role = Role::kAdmin, .key_id = ""};
  }

  // "key k1a2b3 (tenant acme, role user)", or "the operator" without a key.
  std::string Describe() const;
};

}  // namespace infaas::auth
