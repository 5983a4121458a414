#pragma once

// MetadataStore: what INFaaS keeps across restarts.
//
//  * the catalogue: model families (task, dataset) -> architectures ->
//    variants, each variant with its config and measured profile;
//  * offline jobs and their progress;
//  * pins: variants a user asked to keep serving;
//  * who may call: API keys (the secret only as its SHA-256) and tenants'
//    quotas;
//  * for several masters sharing one store: the leader lease with its
//    fencing token, and each master's short-lived reports (its recent demand).
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

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::store {

// Who holds a lease now. The fencing token grows by one every time the
// lease is granted anew (to another holder, or to the same one after it
// lapsed), so a write stamped with an older token is recognisably stale.
struct Lease {
  std::string holder;  // empty: nobody holds it
  int64_t token = 0;
  absl::Duration remaining = absl::ZeroDuration();  // until it lapses unless renewed

  bool HeldBy(absl::string_view who) const { return !holder.empty() && holder == who; }
};

// Proof that a write comes from the holder of a lease: its name and the
// token it was granted with.
struct Fence {
  std::string lease;
  int64_t token = 0;
};

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

  // Leases (several masters, one leader): grants lease `name` to `holder`
  // for `ttl` when nobody holds it or its holder let it lapse (a new
  // token), or renews it when `holder` holds it (the same token); returns
  // who holds it afterwards either way. The store's own clock decides when
  // a lease lapses. InvalidArgument for an empty name or holder, or a ttl
  // under 10 ms.
  virtual absl::StatusOr<Lease> AcquireLease(absl::string_view name, absl::string_view holder,
                                             absl::Duration ttl) = 0;
  // Ends `holder`'s lease at once, so that another takes over without
  // waiting for it to lapse; OK (and nothing done) when `holder` does not
  // hold it.
  virtual absl::Status ReleaseLease(absl::string_view name, absl::string_view holder) = 0;

  // PutJob for the leader's job runner: written only while `fence` is the
  // lease's current token (FailedPrecondition otherwise: the lease lapsed
  // or passed to another master) and while the stored record has not ended
  // (Aborted: e.g. cancelled through another master; the stored record
  // stands). The check and the write are one atomic step.
  virtual absl::Status PutJobFenced(const v1::OfflineJob& job, const Fence& fence) = 0;
  // PutJob unless the stored record has ended (Aborted; it stands): a
  // cancellation through a master that does not run the job must not
  // overwrite the leader's "done". Check and write are one atomic step.
  virtual absl::Status PutJobUnlessEnded(const v1::OfflineJob& job) = 0;

  // Reports: short-lived records each master publishes about itself, e.g.
  // its recent demand for the leader's autoscaler. PutReport replaces
  // `source`'s report of `kind`, which lapses after `ttl` unless written
  // again; ListReports returns the live ones of `kind`, sorted by source.
  virtual absl::Status PutReport(absl::string_view kind, absl::string_view source,
                                 const std::string& bytes, absl::Duration ttl) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListReports(absl::string_view kind) = 0;

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
// A lease's name and holder are 1..256 printable characters; ttl >= 10 ms.
absl::Status ValidateLeaseRequest(absl::string_view name, absl::string_view holder,
                                  absl::Duration ttl);
// A report's kind and source are 1..256 printable characters, its bytes at
// most 1 MiB, its ttl >= 10 ms.
absl::Status ValidateReport(absl::string_view kind, absl::string_view source,
                            const std::string& bytes, absl::Duration ttl);
// Whether a job in `state` has ended (done, failed or cancelled).
bool IsFinalJobState(v1::OfflineJob::State state);

}  // namespace infaas::store
