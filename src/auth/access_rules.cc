#include "auth/access_rules.h"

#include "absl/strings/str_cat.h"

namespace infaas::auth {
namespace {

struct Rule {
  absl::string_view what;  // for the error: "may not <what>"
  bool admin, user, metrics;
};

Rule RuleOf(Action action) {
  switch (action) {
    case Action::kQuery:
      return {"query models", true, true, false};
    case Action::kReadCatalogue:
      return {"read the catalogue", true, true, false};
    case Action::kSubmitJob:
      return {"run offline jobs", true, true, false};
    case Action::kRegisterModel:
      return {"register models", true, false, false};
    case Action::kManageRepository:
      return {"load or unload models", true, false, false};
    case Action::kReadClusterStatus:
      return {"read the cluster's status", true, false, false};
    case Action::kManageAccess:
      return {"manage API keys and quotas", true, false, false};
    case Action::kReadMetrics:
      return {"read metrics", true, false, true};
  }
  return {"do that", false, false, false};
}

}  // namespace

absl::Status Authorize(const Principal& caller, Action action) {
  const Rule rule = RuleOf(action);
  const bool allowed = caller.role == Role::kAdmin     ? rule.admin
                       : caller.role == Role::kUser    ? rule.user
                       : caller.role == Role::kMetrics ? rule.metrics
                                                       : false;
  if (allowed) return absl::OkStatus();
  const absl::string_view needs = rule.user ? "a user or admin key" : "an admin key";
  return absl::PermissionDeniedError(
      absl::StrCat(caller.Describe(), " may not ", rule.what, "; that needs ",
                   action == Action::kReadMetrics ? "a metrics or admin key" : needs));
}

bool CanSee(const Principal& caller, const v1::VariantRecord& variant) {
  return caller.role == Role::kAdmin || variant.owner_tenant().empty() || variant.is_public() ||
         variant.owner_tenant() == caller.tenant;
}

bool CanSeeJob(const Principal& caller, const v1::OfflineJob& job) {
  return caller.role == Role::kAdmin || job.tenant() == caller.tenant;
}

Principal JobRunsAs(const v1::OfflineJob& job) {
  if (job.tenant().empty()) return Principal::Operator();
  return Principal{.tenant = job.tenant(), .role = Role::kUser, .key_id = "job " + job.id()};
}

std::string JobTenantOf(const Principal& caller) {
  return caller.role == Role::kAdmin ? "" : caller.tenant;
}

}  // namespace infaas::auth
