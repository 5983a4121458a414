#pragma once

// Who may do what: a pure policy over (caller, action) and (caller, record).
//
//                      admin  user  metrics
//   kQuery               x     x
//   kReadCatalogue       x     x             modarch, modinfo, KServe metadata
//   kSubmitJob           x     x             and read or cancel its tenant's jobs
//   kRegisterModel       x
//   kManageRepository    x                   KServe repository load/unload
//   kReadClusterStatus   x                   workers and what they serve
//   kManageAccess        x                   keys and quotas
//   kReadMetrics         x            x
//
// Visibility: a variant registered by a tenant is private to that tenant
// unless it was registered public; the shipped zoo (no owner) is public.
// Admins see everything. A caller who may not see a model is told it does
// not exist (NOT_FOUND), never that it is forbidden: the name stays secret.
//
// Thread-safe (no state).

#include "absl/status/status.h"
#include "auth/principal.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::auth {

enum class Action {
  kQuery,
  kReadCatalogue,
  kSubmitJob,
  kRegisterModel,
  kManageRepository,
  kReadClusterStatus,
  kManageAccess,
  kReadMetrics,
};

// OK, or PERMISSION_DENIED naming the key, the action and the role it needs.
absl::Status Authorize(const Principal& caller, Action action);

bool CanSee(const Principal& caller, const v1::VariantRecord& variant);
bool CanSeeJob(const Principal& caller, const v1::OfflineJob& job);

// What an offline job may run: the models its tenant may see (a job
// submitted by an admin, with no tenant, may run any model).
Principal JobRunsAs(const v1::OfflineJob& job);
// The tenant a job submitted by `caller` belongs to: none for an admin.
std::string JobTenantOf(const Principal& caller);

}  // namespace infaas::auth
