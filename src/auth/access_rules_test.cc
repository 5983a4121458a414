#include "auth/access_rules.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace infaas::auth {
namespace {

Principal Key(Role role, std::string tenant = "acme") {
  return Principal{.tenant = std::move(tenant), .role = role, .key_id = "k1"};
}

TEST(AuthorizeTest, EachRoleMayDoWhatItsRowSays) {
  const Principal admin = Key(Role::kAdmin), user = Key(Role::kUser), metrics = Key(Role::kMetrics);
  for (Action a : {Action::kQuery, Action::kReadCatalogue, Action::kSubmitJob,
                   Action::kRegisterModel, Action::kManageRepository, Action::kReadClusterStatus,
                   Action::kManageAccess, Action::kReadMetrics}) {
    EXPECT_TRUE(Authorize(admin, a).ok());
  }
  for (Action a : {Action::kQuery, Action::kReadCatalogue, Action::kSubmitJob}) {
    EXPECT_TRUE(Authorize(user, a).ok());
    EXPECT_EQ(Authorize(metrics, a).code(), absl::StatusCode::kPermissionDenied);
  }
  for (Action a : {Action::kRegisterModel, Action::kManageRepository, Action::kReadClusterStatus,
                   Action::kManageAccess}) {
    EXPECT_EQ(Authorize(user, a).code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(Authorize(metrics, a).code(), absl::StatusCode::kPermissionDenied);
  }
  EXPECT_TRUE(Authorize(metrics, Action::kReadMetrics).ok());
  EXPECT_EQ(Authorize(user, Action::kReadMetrics).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Authorize(Principal::Operator(), Action::kManageAccess).ok());
}

TEST(AuthorizeTest, ARefusalNamesTheKeyTheActionAndWhatWouldWork) {
  absl::Status s = Authorize(Key(Role::kUser), Action::kRegisterModel);
  EXPECT_TRUE(absl::StrContains(s.message(), "key k1 (tenant acme, role user)")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "may not register models")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "an admin key")) << s;
}

TEST(CanSeeTest, PrivateModelsAreTheOwnersAndAdminsPublicOnesEveryones) {
  v1::VariantRecord zoo, mine, theirs, theirs_public;
  mine.set_owner_tenant("acme");
  theirs.set_owner_tenant("beta");
  theirs_public.set_owner_tenant("beta");
  theirs_public.set_is_public(true);
  const Principal user = Key(Role::kUser);
  EXPECT_TRUE(CanSee(user, zoo));
  EXPECT_TRUE(CanSee(user, mine));
  EXPECT_FALSE(CanSee(user, theirs));
  EXPECT_TRUE(CanSee(user, theirs_public));
  EXPECT_TRUE(CanSee(Key(Role::kAdmin), theirs));
  EXPECT_TRUE(CanSee(Principal::Operator(), theirs));
}

TEST(CanSeeJobTest, AUserSeesItsTenantsJobsOnly) {
  v1::OfflineJob job;
  job.set_tenant("acme");
  EXPECT_TRUE(CanSeeJob(Key(Role::kUser), job));
  EXPECT_FALSE(CanSeeJob(Key(Role::kUser, "beta"), job));
  EXPECT_TRUE(CanSeeJob(Key(Role::kAdmin, "beta"), job));
}

TEST(JobRunsAsTest, AJobRunsWithItsTenantsViewAndAnAdminsJobWithEverything) {
  v1::OfflineJob job;
  job.set_tenant(JobTenantOf(Key(Role::kUser, "acme")));
  EXPECT_EQ(job.tenant(), "acme");
  v1::VariantRecord theirs;
  theirs.set_owner_tenant("beta");
  EXPECT_FALSE(CanSee(JobRunsAs(job), theirs));
  job.set_tenant(JobTenantOf(Key(Role::kAdmin, "acme")));
  EXPECT_TRUE(CanSee(JobRunsAs(job), theirs));
}

}  // namespace
}  // namespace infaas::auth
