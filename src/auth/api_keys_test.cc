#include "auth/api_keys.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace infaas::auth {
namespace {

TEST(ApiKeysTest, AMintedKeyMatchesItsRecordAndTheRecordHoldsNoSecret) {
  absl::StatusOr<MintedKey> minted =
      MintApiKey("acme", Role::kUser, "ci runner", absl::FromUnixMillis(5));
  ASSERT_TRUE(minted.ok()) << minted.status();
  EXPECT_TRUE(absl::StartsWith(minted->token, "infaas_")) << minted->token;
  EXPECT_EQ(KeyIdOf(minted->token), minted->record.id());
  EXPECT_TRUE(TokenMatches(minted->record, minted->token));
  EXPECT_EQ(minted->record.tenant(), "acme");
  EXPECT_EQ(minted->record.role(), "user");
  EXPECT_EQ(minted->record.description(), "ci runner");
  EXPECT_EQ(minted->record.created_at_unix_ms(), 5);
  const std::string secret = minted->token.substr(minted->token.rfind('_') + 1);
  EXPECT_FALSE(absl::StrContains(minted->record.SerializeAsString(), secret));
}

TEST(ApiKeysTest, TwoKeysDifferAndAChangedSecretDoesNotMatch) {
  MintedKey a = *MintApiKey("acme", Role::kUser, "", absl::Now());
  MintedKey b = *MintApiKey("acme", Role::kUser, "", absl::Now());
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.record.id(), b.record.id());
  std::string forged = a.token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(KeyIdOf(forged), a.record.id());
  EXPECT_FALSE(TokenMatches(a.record, forged));
  EXPECT_FALSE(TokenMatches(a.record, b.token));
}

TEST(ApiKeysTest, MalformedTokensHaveNoId) {
  for (absl::string_view bad :
       {"", "infaas_", "infaas_0123456789ab", "bearer", "infaas_0123456789ab_zz",
        "other_0123456789ab_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "infaas_0123456789AB_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    EXPECT_FALSE(KeyIdOf(bad).has_value()) << bad;
  }
  EXPECT_TRUE(
      KeyIdOf(
          "infaas_0123456789ab_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
          .has_value());
}

TEST(ApiKeysTest, ABadTenantMintsNothing) {
  EXPECT_EQ(MintApiKey("../etc", Role::kUser, "", absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MintApiKey("", Role::kAdmin, "", absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BearerTokenTest, ReadsTheSchemeInAnyCase) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc "), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_FALSE(BearerToken("Basic abc").has_value());
  EXPECT_FALSE(BearerToken("Bearer").has_value());
  EXPECT_FALSE(BearerToken("").has_value());
}

}  // namespace
}  // namespace infaas::auth
