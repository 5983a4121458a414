// The authenticator over a real SQLite store file.

#include "auth/authenticator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/secret_file.h"
#include "common/testing/test_folder.h"

namespace infaas::auth {
namespace {

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenMetadataStore(absl::StrCat("sqlite:", (folder_.path() / "s.db").string()));
  }
  Authenticator Make(bool required = true) {
    return Authenticator(store_.get(), &clock_, {.required = required});
  }
  testing::TestFolder folder_{"authenticator"};
  FakeClock clock_;
  std::unique_ptr<store::MetadataStore> store_;
};

TEST_F(AuthenticatorTest, AKeyNamesItsTenantAndRoleUntilRevoked) {
  Authenticator auth = Make();
  absl::StatusOr<MintedKey> key = auth.CreateKey("acme", Role::kUser, "test");
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<Principal> caller = auth.Authenticate("Bearer " + key->token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "acme");
  EXPECT_EQ(caller->role, Role::kUser);
  EXPECT_EQ(caller->key_id, key->record.id());

  ASSERT_TRUE(auth.RevokeKey(key->record.id()).ok());
  EXPECT_EQ(auth.Authenticate("Bearer " + key->token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.RevokeKey(key->record.id()).code(), absl::StatusCode::kNotFound);
}

TEST_F(AuthenticatorTest, MissingAndWrongKeysAreUnauthenticatedWithAHint) {
  Authenticator auth = Make();
  absl::Status none = auth.Authenticate("").status();
  EXPECT_EQ(none.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(none.message(), "authorization: Bearer KEY")) << none;
  MintedKey key = *auth.CreateKey("acme", Role::kUser, "");
  std::string forged = key.token;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  absl::Status wrong = auth.Authenticate("Bearer " + forged).status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(wrong.message(), "unknown or was revoked")) << wrong;
  EXPECT_EQ(auth.Authenticate("Basic " + key.token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, AKeyMadeElsewhereWorksAfterTheRefreshAndStoreReadsAreRateLimited) {
  Authenticator here = Make(), elsewhere = Make();
  ASSERT_TRUE(here.Reload().ok());
  MintedKey key = *elsewhere.CreateKey("beta", Role::kAdmin, "");
  // Read a moment ago: an unknown key does not trigger another read yet.
  EXPECT_FALSE(here.Authenticate("Bearer " + key.token).ok());
  clock_.Advance(absl::Seconds(2));
  absl::StatusOr<Principal> caller = here.Authenticate("Bearer " + key.token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->role, Role::kAdmin);
  // Revoked elsewhere: gone here at the next Reload.
  ASSERT_TRUE(elsewhere.RevokeKey(key.record.id()).ok());
  ASSERT_TRUE(here.Reload().ok());
  EXPECT_FALSE(here.Authenticate("Bearer " + key.token).ok());
}

TEST_F(AuthenticatorTest, WithoutRequiredEveryoneIsTheOperator) {
  Authenticator auth = Make(/*required=*/false);
  absl::StatusOr<Principal> caller = auth.Authenticate("");
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->role, Role::kAdmin);
  EXPECT_TRUE(caller->key_id.empty());
}

TEST_F(AuthenticatorTest, ListingShowsNoHashes) {
  Authenticator auth = Make();
  ASSERT_TRUE(auth.CreateKey("acme", Role::kMetrics, "scraper").ok());
  std::vector<v1::ApiKeyRecord> keys = *auth.ListKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0].sha256().empty());
  EXPECT_EQ(keys[0].role(), "metrics");
}

TEST_F(AuthenticatorTest, TheOperatorsKeyFileIsMadeOnceKeptPrivateAndRegisteredAgain) {
  const std::filesystem::path file = folder_.path() / "admin.key";
  std::string token;
  {
    Authenticator auth = Make();
    absl::StatusOr<std::string> made = auth.EnsureKeyFile(file, "operator");
    ASSERT_TRUE(made.ok()) << made.status();
    token = *made;
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(*auth.EnsureKeyFile(file, "operator"), token);
    EXPECT_EQ(auth.ListKeys()->size(), 1u);
  }
  // A new, empty store: the kept key is registered again, as an admin.
  std::filesystem::remove(folder_.path() / "s.db");
  store_ = *store::OpenMetadataStore(absl::StrCat("sqlite:", (folder_.path() / "s.db").string()));
  Authenticator auth = Make();
  ASSERT_EQ(*auth.EnsureKeyFile(file, "operator"), token);
  absl::StatusOr<Principal> caller = auth.Authenticate("Bearer " + token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->role, Role::kAdmin);
  EXPECT_EQ(caller->tenant, "operator");
}

TEST_F(AuthenticatorTest, KeysAreCheckedWhileOthersAreMadeRevokedAndReloaded) {
  Authenticator auth = Make();
  MintedKey steady = *auth.CreateKey("acme", Role::kUser, "");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> checkers;
  for (int t = 0; t < 4; ++t) {
    checkers.emplace_back([&] {
      while (!stop.load()) {
        if (!auth.Authenticate("Bearer " + steady.token).ok()) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    MintedKey churn = *auth.CreateKey("beta", Role::kUser, "");
    ASSERT_TRUE(auth.Authenticate("Bearer " + churn.token).ok());
    ASSERT_TRUE(auth.RevokeKey(churn.record.id()).ok());
    ASSERT_TRUE(auth.Reload().ok());
  }
  stop = true;
  for (std::thread& t : checkers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace infaas::auth
