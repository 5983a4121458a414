#pragma once

// RedisMetadataStore: the shared MetadataStore, on a Redis server, for
// deployments where several masters (or a restarted master on another
// machine) must see one catalogue.
//
// Layout (every key under Options::key_prefix, default "infaas:"):
//   schema_version        "1"
//   variant:<name>        serialized infaas.v1.VariantRecord
//   variants              set of variant names
//   job:<id>              serialized infaas.v1.OfflineJob
//   jobs                  sorted set of job ids, score = created_at_unix_ms
//   job_states            hash: job id -> state number (fenced writes check it)
//   pins, api_keys, tenants
//   lease:<name>          hash {holder, token}, expiring with the lease
//   lease_token:<name>    the lease's last token (never expires: tokens grow)
//   report:<kind>         hash: source -> report bytes
//   report_expiry:<kind>  sorted set: source -> expiry (Redis's clock, ms)
// Multi-key writes run in MULTI/EXEC (or one Lua script where a check must
// precede the write), so a reader never sees half of one. Durability is
// Redis's: run it with appendonly yes.
//
// Listing reads the whole variant set: fine for catalogues of thousands of
// variants, which is what a cluster holds.
//
// Thread-safe: one connection serialised by a mutex; it reconnects by
// itself after Redis restarts.

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "store/internal/redis_connection.h"
#include "store/metadata_store.h"

namespace infaas::store {

class RedisMetadataStore final : public MetadataStore {
 public:
  static constexpr int kSchemaVersion = 1;

  struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string key_prefix = "infaas:";
    // Sent with AUTH after connecting when not empty (requirepass).
    std::string password{};
    absl::Duration timeout = absl::Seconds(2);  // connect and per-command
  };

  // Connects and checks the schema version. Unavailable if Redis cannot be
  // reached; FailedPrecondition if the data was written by a newer schema.
  static absl::StatusOr<std::unique_ptr<RedisMetadataStore>> Create(const Options& options);

  absl::Status PutVariants(absl::Span<const v1::VariantRecord> records) override;
  absl::StatusOr<v1::VariantRecord> GetVariant(absl::string_view name) override;
  absl::StatusOr<std::vector<v1::VariantRecord>> ListVariants(
      const v1::VariantFilter& filter) override;
  absl::Status DeleteVariants(absl::Span<const std::string> names) override;
  absl::Status PutJob(const v1::OfflineJob& job) override;
  absl::StatusOr<v1::OfflineJob> GetJob(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::OfflineJob>> ListJobs() override;
  absl::Status SetPinned(absl::string_view variant, bool pinned) override;
  absl::StatusOr<std::vector<std::string>> ListPinned() override;
  absl::Status PutApiKey(const v1::ApiKeyRecord& key) override;
  absl::StatusOr<std::vector<v1::ApiKeyRecord>> ListApiKeys() override;
  absl::Status DeleteApiKey(absl::string_view id) override;
  absl::Status PutTenant(const v1::TenantRecord& tenant) override;
  absl::StatusOr<std::vector<v1::TenantRecord>> ListTenants() override;
  absl::StatusOr<Lease> AcquireLease(absl::string_view name, absl::string_view holder,
                                     absl::Duration ttl) override;
  absl::Status ReleaseLease(absl::string_view name, absl::string_view holder) override;
  absl::Status PutJobFenced(const v1::OfflineJob& job, const Fence& fence) override;
  absl::Status PutJobUnlessEnded(const v1::OfflineJob& job) override;
  absl::Status PutReport(absl::string_view kind, absl::string_view source, const std::string& bytes,
                         absl::Duration ttl) override;
  absl::StatusOr<std::vector<std::string>> ListReports(absl::string_view kind) override;
  std::string Describe() const override;

 private:
  explicit RedisMetadataStore(const Options& options);

  absl::Status CheckSchema() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Key(absl::string_view kind, absl::string_view name) const;
  // PutJobFenced, and PutJobUnlessEnded when `fence` is null.
  absl::Status PutJobChecked(const v1::OfflineJob& job, const Fence* fence);
  // GETs of many keys at once; missing keys are skipped.
  absl::StatusOr<std::vector<std::string>> GetMany(const std::vector<std::string>& keys)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every value of the hash `kind`, parsed.
  template <typename Proto>
  absl::StatusOr<std::vector<Proto>> HashValues(absl::string_view kind, absl::string_view what);

  const Options options_;
  mutable absl::Mutex mu_;
  internal::RedisConnection connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::store
