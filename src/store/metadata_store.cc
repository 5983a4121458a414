#include "store/metadata_store.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/model_name.h"
#include "common/status_macros.h"
#include "store/redis_metadata_store.h"
#include "store/sqlite_metadata_store.h"

namespace infaas::store {

absl::StatusOr<std::vector<std::string>> MetadataStore::ListArchitectures(
    absl::string_view task, absl::string_view dataset) {
  v1::VariantFilter filter;
  filter.set_task(std::string(task));
  filter.set_dataset(std::string(dataset));
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants, ListVariants(filter));
  std::vector<std::string> architectures;
  for (const v1::VariantRecord& v : variants) architectures.push_back(v.config().architecture());
  std::sort(architectures.begin(), architectures.end());
  architectures.erase(std::unique(architectures.begin(), architectures.end()), architectures.end());
  return architectures;
}

absl::Status ValidateVariantRecord(const v1::VariantRecord& record) {
  const v1::ModelConfig& c = record.config();
  if (absl::Status s = ValidateModelName(c.name()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("variant record: ", s.message()));
  }
  for (const auto& [field, value] :
       {std::pair<absl::string_view, const std::string&>{"task", c.task()},
        {"dataset", c.dataset()},
        {"architecture", c.architecture()}}) {
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("variant \"", c.name(), "\": config.", field,
                                                     " is empty; every variant needs one"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateJob(const v1::OfflineJob& job) {
  if (job.id().empty()) return absl::InvalidArgumentError("offline job: id is empty");
  return absl::OkStatus();
}

absl::Status ValidatePinnedName(absl::string_view variant) {
  if (absl::Status name = ValidateModelName(variant); !name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot pin \"", variant, "\": ", name.message()));
  }
  return absl::OkStatus();
}

absl::Status ValidateTenantName(absl::string_view tenant) {
  const bool valid_chars = std::all_of(tenant.begin(), tenant.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (tenant.empty() || tenant.size() > 64 || !valid_chars || tenant.front() == '.') {
    return absl::InvalidArgumentError(
        "a tenant name has 1 to 64 letters, digits, '-', '_' or '.', and does not start with "
        "'.'");
  }
  return absl::OkStatus();
}

absl::Status ValidateApiKeyRecord(const v1::ApiKeyRecord& key) {
  if (key.id().empty() || key.id().size() > 64) {
    return absl::InvalidArgumentError("API key record: id must have 1 to 64 characters");
  }
  const bool hex = std::all_of(key.sha256().begin(), key.sha256().end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
  if (key.sha256().size() != 64 || !hex) {
    return absl::InvalidArgumentError(
        absl::StrCat("API key ", key.id(), ": sha256 must be 64 hex digits"));
  }
  if (key.role() != "admin" && key.role() != "user" && key.role() != "metrics") {
    return absl::InvalidArgumentError(absl::StrCat("API key ", key.id(), ": role \"", key.role(),
                                                   "\" is not admin, user or metrics"));
  }
  return ValidateTenantName(key.tenant());
}

absl::Status ValidateTenantRecord(const v1::TenantRecord& tenant) {
  RETURN_IF_ERROR(ValidateTenantName(tenant.name()));
  if (!(tenant.max_queries_per_second() >= 0) || tenant.max_in_flight() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tenant ", tenant.name(), ": quotas must be >= 0 (0 means no limit)"));
  }
  return absl::OkStatus();
}

namespace {

// Lease and report names become keys and table rows: printable and short.
absl::Status ValidateCoordinationName(absl::string_view what, absl::string_view name) {
  if (name.empty() || name.size() > 256) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be 1 to 256 characters long"));
  }
  for (char c : name) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " \"", name, "\" may hold only printable ASCII, no spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTtl(absl::string_view what, absl::Duration ttl) {
  if (ttl < absl::Milliseconds(10)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " lasts ", absl::FormatDuration(ttl), "; give it at least 10ms"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateLeaseRequest(absl::string_view name, absl::string_view holder,
                                  absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateCoordinationName("lease name", name));
  RETURN_IF_ERROR(ValidateCoordinationName("lease holder", holder));
  return ValidateTtl(absl::StrCat("lease ", name), ttl);
}

absl::Status ValidateReport(absl::string_view kind, absl::string_view source,
                            const std::string& bytes, absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateCoordinationName("report kind", kind));
  RETURN_IF_ERROR(ValidateCoordinationName("report source", source));
  if (bytes.size() > (size_t{1} << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("report ", kind, " of ", source, " holds ",
                                                   bytes.size(), " bytes; at most 1 MiB"));
  }
  return ValidateTtl(absl::StrCat("report ", kind), ttl);
}

bool IsFinalJobState(v1::OfflineJob::State state) {
  return state == v1::OfflineJob::STATE_DONE || state == v1::OfflineJob::STATE_FAILED ||
         state == v1::OfflineJob::STATE_CANCELLED;
}

namespace {

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenRedisUrl(absl::string_view rest,
                                                            absl::string_view url) {
  RedisMetadataStore::Options options;
  std::vector<std::string> host_db = absl::StrSplit(rest, absl::MaxSplits('/', 1));
  std::vector<std::string> host_port = absl::StrSplit(host_db[0], absl::MaxSplits(':', 1));
  options.host = host_port[0].empty() ? "127.0.0.1" : host_port[0];
  if (host_port.size() == 2 && !absl::SimpleAtoi(host_port[1], &options.port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL \"", url, "\": port \"", host_port[1], "\" is not a number"));
  }
  if (host_db.size() == 2 && !host_db[1].empty() && !absl::SimpleAtoi(host_db[1], &options.db)) {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL \"", url, "\": database \"", host_db[1], "\" is not a number"));
  }
  // Never in the URL: command lines are visible to every local user.
  if (const char* password = std::getenv("INFAAS_REDIS_PASSWORD"); password != nullptr) {
    options.password = password;
  }
  ASSIGN_OR_RETURN(auto store, RedisMetadataStore::Create(options));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(absl::string_view url) {
  if (absl::ConsumePrefix(&url, "redis://"))
    return OpenRedisUrl(url, absl::StrCat("redis://", url));
  if (absl::ConsumePrefix(&url, "sqlite://") || absl::ConsumePrefix(&url, "sqlite:")) {
    if (url.empty()) return absl::InvalidArgumentError("store URL \"sqlite:\" names no file");
    ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(std::string(url)));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "store URL \"", url, "\" is not understood: use sqlite:PATH or redis://HOST:PORT[/DB]"));
}

}  // namespace infaas::store
