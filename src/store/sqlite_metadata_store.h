#pragma once

// SqliteMetadataStore: the embedded MetadataStore, one SQLite file.
//
// The file runs in WAL mode (readers never block the writer) and carries
// its schema version in `PRAGMA user_version`; opening migrates an older
// schema step by step inside transactions and refuses a newer one. Every
// multi-row write is one transaction.
//
// Thread-safe: one connection, serialised by a mutex. Several processes may
// open the same file (SQLite locks it; writers wait up to 5 s); leases and
// reports then lapse by this machine's clock, which they all share.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "store/metadata_store.h"

struct sqlite3;

namespace infaas::store {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // The newest schema this build reads and writes.
  static constexpr int kSchemaVersion = 4;

  // Opens (creating if absent) the store file at `path`. Errors name the
  // file and the remedy: NotFound (its folder is missing), PermissionDenied,
  // DataLoss (not a SQLite file / corrupt), FailedPrecondition (schema newer
  // than kSchemaVersion).
  static absl::StatusOr<std::unique_ptr<SqliteMetadataStore>> Open(
      const std::filesystem::path& path);

  ~SqliteMetadataStore() override;

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
  class Statement;

  SqliteMetadataStore(std::filesystem::path path, sqlite3* db);

  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(absl::string_view sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back on error.
  template <typename Body>
  absl::Status InTransaction(Body body) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(absl::string_view what) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteJob(const v1::OfflineJob& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PutJobFenced, and PutJobUnlessEnded when `fence` is null.
  absl::Status PutJobChecked(const v1::OfflineJob& job, const Fence* fence);
  // Every record in `table` (its `record` column), ordered by `order_by`.
  template <typename Proto>
  absl::StatusOr<std::vector<Proto>> ListKeyed(absl::string_view table, absl::string_view order_by,
                                               absl::string_view what);

  const std::filesystem::path path_;
  mutable absl::Mutex mu_;
  sqlite3* const db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::store
