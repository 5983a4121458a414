#include "auth/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "store/metadata_store.h"

namespace infaas::auth {
namespace {

constexpr absl::string_view kPrefix = "infaas_";
constexpr size_t kIdHexDigits = 12;
constexpr size_t kSecretHexDigits = 64;

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return absl::InternalError("the system's random source failed; no key was made");
  }
  return absl::BytesToHexString(raw);
}

bool IsLowerHex(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
  });
}

}  // namespace

absl::StatusOr<MintedKey> MintApiKey(absl::string_view tenant, Role role,
                                     absl::string_view description, absl::Time now) {
  ASSIGN_OR_RETURN(std::string id, RandomHex(kIdHexDigits / 2));
  ASSIGN_OR_RETURN(std::string secret, RandomHex(kSecretHexDigits / 2));
  MintedKey minted;
  minted.token = absl::StrCat(kPrefix, id, "_", secret);
  ASSIGN_OR_RETURN(minted.record, RecordOfToken(minted.token, tenant, role));
  minted.record.set_description(std::string(description.substr(0, 200)));
  minted.record.set_created_at_unix_ms(absl::ToUnixMillis(now));
  return minted;
}

absl::StatusOr<v1::ApiKeyRecord> RecordOfToken(absl::string_view token, absl::string_view tenant,
                                               Role role) {
  std::optional<std::string> id = KeyIdOf(token);
  if (!id.has_value()) {
    return absl::InvalidArgumentError(
        "not an INFaaS API key: a key reads infaas_<12 hex digits>_<64 hex digits>");
  }
  v1::ApiKeyRecord record;
  record.set_id(*id);
  record.set_sha256(Sha256OfBytes(token));
  record.set_tenant(std::string(tenant));
  record.set_role(std::string(RoleName(role)));
  RETURN_IF_ERROR(store::ValidateApiKeyRecord(record));
  return record;
}

std::optional<std::string> KeyIdOf(absl::string_view token) {
  if (!absl::ConsumePrefix(&token, kPrefix)) return std::nullopt;
  if (token.size() != kIdHexDigits + 1 + kSecretHexDigits || token[kIdHexDigits] != '_') {
    return std::nullopt;
  }
  const absl::string_view id = token.substr(0, kIdHexDigits);
  if (!IsLowerHex(id) || !IsLowerHex(token.substr(kIdHexDigits + 1))) return std::nullopt;
  return std::string(id);
}

bool TokenMatches(const v1::ApiKeyRecord& record, absl::string_view token) {
  const std::string digest = Sha256OfBytes(token);
  return digest.size() == record.sha256().size() &&
         CRYPTO_memcmp(digest.data(), record.sha256().data(), digest.size()) == 0;
}

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  return absl::StripLeadingAsciiWhitespace(authorization.substr(kScheme.size()));
}

}  // namespace infaas::auth
