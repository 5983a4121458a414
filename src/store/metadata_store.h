#pragma once

// MetadataStore: what INFaaS keeps across restarts.
//
//  * the catalogue: model families (task, dataset) -> architectures ->
//    variants, each variant with its config and measured profile;
//  * offline jobs and their progress;
//  * pins: variants a user asked to keep serving;
//  * who may call: API keys (the secret only as its SHA-256) and tenants'
//    quotas.
//
// Two implementations share this interface and one contract test suite:
// SqliteMetadataStore (embedded default, one file) and RedisMetadataStore
// (shared by several masters). Open one from a URL:
//
//   ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> store,
//                    OpenMetadataStore("sqlite:/var/lib/infaas/infaas.db"));
//   RETURN_IF_ERROR(store->PutVariants({record}));
//
// Every method is thread-safe. Errors:
//   InvalidArgument    a record that breaks the rules (message says which);
//   NotFound           no such variant / job;
//   Unavailable        the backing server cannot be reached (retry later);
//   FailedPrecondition the store was written by a newer INFaaS;
//   DataLoss           a stored record cannot be decoded.
// A write that fails leaves the store as it was: multi-record writes are
// all-or-nothing.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::store {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Adds or replaces (by config.name) every record, atomically. Each record
  // needs a valid variant name, a task, a dataset and an architecture.
  virtual absl::Status PutVariants(absl::Span<const v1::VariantRecord> records) = 0;

  virtual absl::StatusOr<v1::VariantRecord> GetVariant(absl::string_view name) = 0;

  // Variants matching every non-empty field of `filter`, sorted by name.
  virtual absl::StatusOr<std::vector<v1::VariantRecord>> ListVariants(
      const v1::VariantFilter& filter) = 0;

  // Architectures with at least one variant for `task` and `dataset`
  // (empty matches all), sorted and unique.
  absl::StatusOr<std::vector<std::string>> ListArchitectures(absl::string_view task,
                                                             absl::string_view dataset);

  // Removes every named variant, atomically; NotFound (and nothing removed)
  // if any is missing.
  virtual absl::Status DeleteVariants(absl::Span<const std::string> names) = 0;

  // Adds or replaces a job by id.
  virtual absl::Status PutJob(const v1::OfflineJob& job) = 0;
  virtual absl::StatusOr<v1::OfflineJob> GetJob(absl::string_view id) = 0;
  // All jobs, oldest first (by created_at_unix_ms, then id).
  virtual absl::StatusOr<std::vector<v1::OfflineJob>> ListJobs() = 0;

  // Pins: variants a user asked to keep serving (the repository extension's
  // `load`). The autoscaler never unloads nor replaces a pinned variant;
  // kept here so that pins survive a restart and every master sharing the
  // store sees them. Idempotent; InvalidArgument for a bad variant name.
  virtual absl::Status SetPinned(absl::string_view variant, bool pinned) = 0;
  // Pinned variant names, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListPinned() = 0;

  // API keys, by id. Put adds or replaces; Delete is NotFound for an unknown
  // id. List is sorted by tenant, then id.
  virtual absl::Status PutApiKey(const v1::ApiKeyRecord& key) = 0;
  virtual absl::StatusOr<std::vector<v1::ApiKeyRecord>> ListApiKeys() = 0;
  virtual absl::Status DeleteApiKey(absl::string_view id) = 0;

  // Tenants' quotas, by name; Put adds or replaces. List is sorted by name.
  virtual absl::Status PutTenant(const v1::TenantRecord& tenant) = 0;
  virtual absl::StatusOr<std::vector<v1::TenantRecord>> ListTenants() = 0;

  // Where the data lives, e.g. "sqlite:/tmp/infaas.db" or "redis://127.0.0.1:6379/0".
  virtual std::string Describe() const = 0;
};

// Opens the store a URL names:
//   sqlite:PATH                 (or sqlite://PATH) one SQLite file, created if absent;
//   redis://HOST:PORT[/DB]      a Redis server.
// InvalidArgument for any other form, naming the accepted ones.
absl::StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(absl::string_view url);

// Checks a record before it is written (shared by the implementations).
absl::Status ValidateVariantRecord(const v1::VariantRecord& record);
absl::Status ValidateJob(const v1::OfflineJob& job);
// A pin names a variant by a valid model name.
absl::Status ValidatePinnedName(absl::string_view variant);
// 1..64 of letters, digits, '-', '_' and '.', not starting with '.'.
absl::Status ValidateTenantName(absl::string_view tenant);
// An id, a 64-hex-digit hash, a valid tenant and a known role.
absl::Status ValidateApiKeyRecord(const v1::ApiKeyRecord& key);
// A valid name and limits >= 0.
absl::Status ValidateTenantRecord(const v1::TenantRecord& tenant);

}  // namespace infaas::store
