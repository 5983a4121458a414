#include "auth/authenticator.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/secret_file.h"
#include "common/status_macros.h"

namespace infaas::auth {
namespace {

absl::Status NoKey() {
  return absl::UnauthenticatedError(
      "this master requires an API key: send the header 'authorization: Bearer KEY' (the CLI "
      "reads INFAAS_API_KEY or $INFAAS_HOME/admin.key; an admin makes keys with "
      "'infaas keys create')");
}

absl::Status BadKey() {
  return absl::UnauthenticatedError(
      "the API key is not valid: it is unknown or was revoked; ask an admin for a new one");
}

}  // namespace

Authenticator::Authenticator(store::MetadataStore* store, Clock* clock, Options options)
    : store_(store), clock_(clock), options_(options) {}

absl::StatusOr<Principal> Authenticator::Authenticate(absl::string_view authorization) {
  if (!options_.required) return Principal::Operator();
  std::optional<absl::string_view> token = BearerToken(authorization);
  if (!token.has_value()) return NoKey();
  return Lookup(*token);
}

absl::StatusOr<Principal> Authenticator::Lookup(absl::string_view token) {
  const std::optional<std::string> id = KeyIdOf(token);
  if (!id.has_value()) return BadKey();
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      absl::MutexLock lock(&mu_);
      if (auto it = keys_.find(*id); it != keys_.end()) {
        if (!TokenMatches(it->second, token)) return BadKey();
        return Principal{.tenant = it->second.tenant(),
                         .role = ParseRole(it->second.role()).value_or(Role::kUser),
                         .key_id = it->first};
      }
      // Unknown: read the store again, unless it was read a moment ago (a
      // flood of made-up keys must not become a flood of store reads).
      if (attempt > 0 || clock_->Now() - last_read_ < options_.refresh) break;
    }
    if (absl::Status s = Reload(); !s.ok()) {
      LogWarning("cannot read API keys", {{"error", s.ToString()}});
      break;
    }
  }
  return BadKey();
}

absl::Status Authenticator::Reload() {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    last_read_ = now;  // also on failure: a down store is not asked on every request
  }
  ASSIGN_OR_RETURN(std::vector<v1::ApiKeyRecord> keys, store_->ListApiKeys());
  std::map<std::string, v1::ApiKeyRecord, std::less<>> next;
  for (v1::ApiKeyRecord& k : keys) next.emplace(k.id(), std::move(k));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<MintedKey> Authenticator::CreateKey(absl::string_view tenant, Role role,
                                                   absl::string_view description) {
  ASSIGN_OR_RETURN(MintedKey minted, MintApiKey(tenant, role, description, clock_->Now()));
  RETURN_IF_ERROR(store_->PutApiKey(minted.record));
  absl::MutexLock lock(&mu_);
  keys_[minted.record.id()] = minted.record;
  return minted;
}

absl::StatusOr<std::vector<v1::ApiKeyRecord>> Authenticator::ListKeys() {
  ASSIGN_OR_RETURN(std::vector<v1::ApiKeyRecord> keys, store_->ListApiKeys());
  for (v1::ApiKeyRecord& k : keys) k.clear_sha256();
  return keys;
}

absl::Status Authenticator::RevokeKey(absl::string_view id) {
  RETURN_IF_ERROR(store_->DeleteApiKey(id));
  absl::MutexLock lock(&mu_);
  if (auto it = keys_.find(id); it != keys_.end()) keys_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Authenticator::EnsureKeyFile(const std::filesystem::path& path,
                                                         absl::string_view tenant) {
  const std::string description = absl::StrCat("the operator's key (", path.string(), ")");
  absl::StatusOr<std::string> kept = ReadSecretFile(path);
  if (!kept.ok() && !absl::IsNotFound(kept.status())) return kept.status();
  if (!kept.ok()) {
    ASSIGN_OR_RETURN(MintedKey minted, CreateKey(tenant, Role::kAdmin, description));
    RETURN_IF_ERROR(WriteSecretFile(path, minted.token));
    LogInfo("made the operator's API key", {{"key", minted.record.id()}, {"file", path.string()}});
    return minted.token;
  }
  RETURN_IF_ERROR(Reload());
  if (Lookup(*kept).ok()) return *std::move(kept);
  // The store lost it (a new store file): register it again.
  ASSIGN_OR_RETURN(v1::ApiKeyRecord record, RecordOfToken(*kept, tenant, Role::kAdmin));
  record.set_description(description);
  record.set_created_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  RETURN_IF_ERROR(store_->PutApiKey(record));
  absl::MutexLock lock(&mu_);
  keys_[record.id()] = record;
  return *std::move(kept);
}

}  // namespace infaas::auth
