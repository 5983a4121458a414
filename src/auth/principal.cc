#include "auth/principal.h"

#include "absl/strings/str_cat.h"

namespace infaas::auth {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kUser:
      return "user";
    case Role::kMetrics:
      return "metrics";
  }
  return "unknown";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kAdmin, Role::kUser, Role::kMetrics}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

std::string Principal::Describe() const {
  if (key_id.empty()) return "the operator (authentication is off)";
  return absl::StrCat("key ", key_id, " (tenant ", tenant, ", role ", RoleName(role), ")");
}

}  // namespace infaas::auth
