#pragma once

// API keys: bearer tokens of the form
//
//   infaas_<id>_<secret>      id: 12 hex digits (public, shown by `infaas keys list`)
//                             secret: 64 hex digits (32 random bytes)
//
// The store keeps the id, the tenant, the role and the SHA-256 of the whole
// token, never the token: a copy of the store lets nobody call the master.
//
//   ASSIGN_OR_RETURN(MintedKey minted, MintApiKey("acme", Role::kUser, "ci", now));
//   store->PutApiKey(minted.record);   // minted.token is shown once
//   ...
//   std::optional<std::string> id = KeyIdOf(token);
//   if (id && TokenMatches(stored_record, token)) ...
//
// Thread-safe (no state).

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/principal.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::auth {

struct MintedKey {
  std::string token;
  v1::ApiKeyRecord record;
};

// A new random key. InvalidArgument for a bad tenant name; Internal if the
// system's random source fails.
absl::StatusOr<MintedKey> MintApiKey(absl::string_view tenant, Role role,
                                     absl::string_view description, absl::Time now);

// The record a token would have (its id and hash), e.g. to register again a
// key kept in a file; InvalidArgument for a text that is not a key.
absl::StatusOr<v1::ApiKeyRecord> RecordOfToken(absl::string_view token, absl::string_view tenant,
                                               Role role);

// The id inside a well-formed token; nullopt for anything else.
std::optional<std::string> KeyIdOf(absl::string_view token);

// Whether `token` hashes to the record's sha256 (compared in constant time).
bool TokenMatches(const v1::ApiKeyRecord& record, absl::string_view token);

// The token in an "authorization" value: "Bearer TOKEN" (the scheme in any
// case); nullopt when there is none.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace infaas::auth
