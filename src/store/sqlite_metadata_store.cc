#include "store/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace infaas::store {
namespace {

// migrations[i] takes the schema from version i to version i + 1.
constexpr absl::string_view kMigrations[] = {
    // 0 -> 1: the catalogue and offline jobs.
    R"sql(
      CREATE TABLE variants (
        name         TEXT PRIMARY KEY,
        task         TEXT NOT NULL,
        dataset      TEXT NOT NULL,
        architecture TEXT NOT NULL,
        record       BLOB NOT NULL      -- serialized infaas.v1.VariantRecord
      );
      CREATE INDEX variants_by_family ON variants (task, dataset);
      CREATE INDEX variants_by_architecture ON variants (architecture);
      CREATE TABLE jobs (
        id         TEXT PRIMARY KEY,
        created_ms INTEGER NOT NULL,
        record     BLOB NOT NULL        -- serialized infaas.v1.OfflineJob
      );
    )sql",
    // 1 -> 2: pinned variants.
    R"sql(
      CREATE TABLE pins (variant TEXT PRIMARY KEY);
    )sql",
    // 2 -> 3: API keys and tenants' quotas.
    R"sql(
      CREATE TABLE api_keys (
        id     TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        record BLOB NOT NULL            -- serialized infaas.v1.ApiKeyRecord
      );
      CREATE TABLE tenants (
        name   TEXT PRIMARY KEY,
        record BLOB NOT NULL            -- serialized infaas.v1.TenantRecord
      );
    )sql",
    // 3 -> 4: several masters on one store — the leader lease, the masters'
    // reports, and each job's state beside its record (fenced job writes
    // must not overwrite an ended job). Rows from before read as state 0.
    R"sql(
      ALTER TABLE jobs ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,     -- '' once released
        token      INTEGER NOT NULL,  -- kept after release: tokens only grow
        expires_ms INTEGER NOT NULL   -- unix ms
      );
      CREATE TABLE reports (
        kind       TEXT NOT NULL,
        source     TEXT NOT NULL,
        bytes      BLOB NOT NULL,
        expires_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, source)
      );
    )sql",
};
static_assert(std::size(kMigrations) == SqliteMetadataStore::kSchemaVersion);

template <typename Proto>
absl::StatusOr<Proto> ParseRecord(const void* data, int size, absl::string_view what,
                                  const std::filesystem::path& path) {
  Proto proto;
  if (!proto.ParseFromArray(data, size)) {
    return absl::DataLossError(absl::StrCat("store ", path.string(), ": stored ", what,
                                            " cannot be decoded; restore the file from a backup"));
  }
  return proto;
}

}  // namespace

// A prepared statement, finalised on destruction. Callers hold mu_.
class SqliteMetadataStore::Statement {
 public:
  Statement(sqlite3* db, absl::string_view sql) {
    sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  void BindText(int i, absl::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  void BindInt64(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  const void* ColumnBlob(int i) { return sqlite3_column_blob(stmt_, i); }
  std::string ColumnText(int i) {
    const unsigned char* text = sqlite3_column_text(stmt_, i);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  int ColumnBytes(int i) { return sqlite3_column_bytes(stmt_, i); }
  int64_t ColumnInt64(int i) { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

absl::StatusOr<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(
    const std::filesystem::path& path) {
  const std::filesystem::path folder =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return absl::NotFoundError(absl::StrCat("store ", path.string(), ": folder ", folder.string(),
                                            " does not exist; create it or choose another path"));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat("store ", path.string(),
                                                   " is a folder; name a file, e.g. ",
                                                   (path / "infaas.db").string()));
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    const std::string text = absl::StrCat("cannot open store ", path.string(), ": ", msg,
                                          "; check the path and its permissions");
    return rc == SQLITE_CANTOPEN || rc == SQLITE_PERM ? absl::PermissionDeniedError(text)
                                                      : absl::InternalError(text);
  }
  std::unique_ptr<SqliteMetadataStore> store(new SqliteMetadataStore(path, db));
  absl::MutexLock lock(&store->mu_);
  sqlite3_busy_timeout(db, 5000);
  // Migrate() checks the schema version before anything writes to the file,
  // so a file from a newer INFaaS is left byte-for-byte as it was.
  RETURN_IF_ERROR(store->Migrate());
  return store;
}

SqliteMetadataStore::SqliteMetadataStore(std::filesystem::path path, sqlite3* db)
    : path_(std::move(path)), db_(db) {}

SqliteMetadataStore::~SqliteMetadataStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

std::string SqliteMetadataStore::Describe() const {
  return absl::StrCat("sqlite:", path_.string());
}

absl::Status SqliteMetadataStore::Error(absl::string_view what) const {
  const int code = sqlite3_errcode(db_);
  const std::string msg =
      absl::StrCat("store ", path_.string(), ": ", what, ": ", sqlite3_errmsg(db_));
  switch (code) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::DataLossError(absl::StrCat(
          msg,
          " (the file is not an INFaaS SQLite store or is damaged; move it away or choose "
          "another --store path)"));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(absl::StrCat(msg, " (another process holds the lock; retry)"));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return absl::PermissionDeniedError(
          absl::StrCat(msg, " (make the file and its folder writable)"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(absl::StrCat(msg, " (free disk space)"));
    default:
      return absl::InternalError(msg);
  }
}

absl::Status SqliteMetadataStore::Exec(absl::string_view sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return Error("statement failed");
  }
  return absl::OkStatus();
}

template <typename Body>
absl::Status SqliteMetadataStore::InTransaction(Body body) {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = Exec("COMMIT");
  if (!status.ok()) Exec("ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteMetadataStore::Migrate() {
  int64_t version = 0;
  {
    Statement get_version(db_, "PRAGMA user_version");
    if (!get_version.ok() || get_version.Step() != SQLITE_ROW) {
      return Error("cannot read schema version");
    }
    version = get_version.ColumnInt64(0);
  }  // finalised here: WAL cannot be switched on while a statement is open
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", path_.string(), " has schema version ", version,
                     " but this build of INFaaS ", "understands up to version ", kSchemaVersion,
                     "; upgrade INFaaS or point --store at another file"));
  }
  RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
      mu_.AssertHeld();  // InTransaction runs the body under mu_
      RETURN_IF_ERROR(Exec(kMigrations[v]));
      return Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    }));
  }
  return absl::OkStatus();
}

absl::Status SqliteMetadataStore::PutVariants(absl::Span<const v1::VariantRecord> records) {
  for (const v1::VariantRecord& r : records) RETURN_IF_ERROR(ValidateVariantRecord(r));
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    mu_.AssertHeld();  // InTransaction runs the body under mu_
    Statement put(db_,
                  "INSERT OR REPLACE INTO variants (name, task, dataset, architecture, record) "
                  "VALUES (?, ?, ?, ?, ?)");
    if (!put.ok()) return Error("cannot prepare variant write");
    for (const v1::VariantRecord& r : records) {
      put.BindText(1, r.config().name());
      put.BindText(2, r.config().task());
      put.BindText(3, r.config().dataset());
      put.BindText(4, r.config().architecture());
      put.BindBlob(5, r.SerializeAsString());
      if (put.Step() != SQLITE_DONE)
        return Error(absl::StrCat("cannot write variant ", r.config().name()));
      put.Reset();
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::VariantRecord> SqliteMetadataStore::GetVariant(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  Statement get(db_, "SELECT record FROM variants WHERE name = ?");
  if (!get.ok()) return Error("cannot prepare variant read");
  get.BindText(1, name);
  const int rc = get.Step();
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(absl::StrCat("variant \"", name, "\" is not registered"));
  }
  if (rc != SQLITE_ROW) return Error(absl::StrCat("cannot read variant ", name));
  return ParseRecord<v1::VariantRecord>(get.ColumnBlob(0), get.ColumnBytes(0),
                                        absl::StrCat("variant ", name), path_);
}

absl::StatusOr<std::vector<v1::VariantRecord>> SqliteMetadataStore::ListVariants(
    const v1::VariantFilter& filter) {
  absl::MutexLock lock(&mu_);
  // An empty filter field matches every row.
  Statement list(db_,
                 "SELECT record FROM variants WHERE (?1 = '' OR task = ?1) AND "
                 "(?2 = '' OR dataset = ?2) AND (?3 = '' OR architecture = ?3) ORDER BY name");
  if (!list.ok()) return Error("cannot prepare variant listing");
  list.BindText(1, filter.task());
  list.BindText(2, filter.dataset());
  list.BindText(3, filter.architecture());
  std::vector<v1::VariantRecord> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(
        v1::VariantRecord r,
        ParseRecord<v1::VariantRecord>(list.ColumnBlob(0), list.ColumnBytes(0), "variant", path_));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("cannot list variants");
  return out;
}

absl::Status SqliteMetadataStore::DeleteVariants(absl::Span<const std::string> names) {
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    mu_.AssertHeld();  // InTransaction runs the body under mu_
    Statement del(db_, "DELETE FROM variants WHERE name = ?");
    if (!del.ok()) return Error("cannot prepare variant delete");
    for (const std::string& name : names) {
      del.BindText(1, name);
      if (del.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot delete variant ", name));
      if (sqlite3_changes(db_) == 0) {
        return absl::NotFoundError(
            absl::StrCat("variant \"", name, "\" is not registered; nothing was deleted"));
      }
      del.Reset();
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteMetadataStore::PutJob(const v1::OfflineJob& job) {
  RETURN_IF_ERROR(ValidateJob(job));
  absl::MutexLock lock(&mu_);
  return WriteJob(job);
}

absl::Status SqliteMetadataStore::WriteJob(const v1::OfflineJob& job) {
  Statement put(db_,
                "INSERT OR REPLACE INTO jobs (id, created_ms, record, state) VALUES (?, ?, ?, ?)");
  if (!put.ok()) return Error("cannot prepare job write");
  put.BindText(1, job.id());
  put.BindInt64(2, job.created_at_unix_ms());
  put.BindBlob(3, job.SerializeAsString());
  put.BindInt64(4, job.state());
  if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write job ", job.id()));
  return absl::OkStatus();
}

absl::Status SqliteMetadataStore::PutJobFenced(const v1::OfflineJob& job, const Fence& fence) {
  return PutJobChecked(job, &fence);
}

absl::Status SqliteMetadataStore::PutJobUnlessEnded(const v1::OfflineJob& job) {
  return PutJobChecked(job, nullptr);
}

absl::Status SqliteMetadataStore::PutJobChecked(const v1::OfflineJob& job, const Fence* fence) {
  RETURN_IF_ERROR(ValidateJob(job));
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    mu_.AssertHeld();  // InTransaction runs the body under mu_
    if (fence != nullptr) {
      Statement lease(db_, "SELECT token, expires_ms FROM leases WHERE name = ? AND holder != ''");
      if (!lease.ok()) return Error("cannot prepare lease read");
      lease.BindText(1, fence->lease);
      const int rc = lease.Step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("cannot read lease");
      const bool current = rc == SQLITE_ROW && lease.ColumnInt64(0) == fence->token &&
                           lease.ColumnInt64(1) > absl::ToUnixMillis(absl::Now());
      if (!current) {
        return absl::FailedPreconditionError(
            absl::StrCat("job ", job.id(), " not saved: lease ", fence->lease, " token ",
                         fence->token, " is no longer current (another master leads now)"));
      }
    }
    {
      Statement state(db_, "SELECT state FROM jobs WHERE id = ?");
      if (!state.ok()) return Error("cannot prepare job state read");
      state.BindText(1, job.id());
      if (state.Step() == SQLITE_ROW &&
          IsFinalJobState(static_cast<v1::OfflineJob::State>(state.ColumnInt64(0)))) {
        return absl::AbortedError(
            absl::StrCat("job ", job.id(), " already ended in the store; its record stands"));
      }
    }
    return WriteJob(job);
  });
}

absl::StatusOr<Lease> SqliteMetadataStore::AcquireLease(absl::string_view name,
                                                        absl::string_view holder,
                                                        absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateLeaseRequest(name, holder, ttl));
  absl::MutexLock lock(&mu_);
  Lease lease;
  RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    mu_.AssertHeld();  // InTransaction runs the body under mu_
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    int64_t token = 0;
    {
      Statement get(db_, "SELECT holder, token, expires_ms FROM leases WHERE name = ?");
      if (!get.ok()) return Error("cannot prepare lease read");
      get.BindText(1, name);
      const int rc = get.Step();
      if (rc == SQLITE_ROW) {
        lease.holder = get.ColumnText(0);
        token = get.ColumnInt64(1);
        const int64_t expires_ms = get.ColumnInt64(2);
        if (!lease.holder.empty() && expires_ms > now_ms && lease.holder != holder) {
          lease.token = token;
          lease.remaining = absl::Milliseconds(expires_ms - now_ms);
          return absl::OkStatus();  // another holds it
        }
        // Renewed by its holder keeps the token; granted anew takes the next.
        if (lease.holder != holder || expires_ms <= now_ms) ++token;
      } else if (rc == SQLITE_DONE) {
        token = 1;
      } else {
        return Error("cannot read lease");
      }
    }
    Statement put(db_,
                  "INSERT OR REPLACE INTO leases (name, holder, token, expires_ms) "
                  "VALUES (?, ?, ?, ?)");
    if (!put.ok()) return Error("cannot prepare lease write");
    put.BindText(1, name);
    put.BindText(2, holder);
    put.BindInt64(3, token);
    put.BindInt64(4, now_ms + absl::ToInt64Milliseconds(ttl));
    if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write lease ", name));
    lease = Lease{.holder = std::string(holder), .token = token, .remaining = ttl};
    return absl::OkStatus();
  }));
  return lease;
}

absl::Status SqliteMetadataStore::ReleaseLease(absl::string_view name, absl::string_view holder) {
  absl::MutexLock lock(&mu_);
  Statement release(db_,
                    "UPDATE leases SET holder = '', expires_ms = 0 WHERE name = ? AND holder = ?");
  if (!release.ok()) return Error("cannot prepare lease release");
  release.BindText(1, name);
  release.BindText(2, holder);
  if (release.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot release lease ", name));
  return absl::OkStatus();
}

absl::Status SqliteMetadataStore::PutReport(absl::string_view kind, absl::string_view source,
                                            const std::string& bytes, absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateReport(kind, source, bytes, ttl));
  absl::MutexLock lock(&mu_);
  Statement put(db_,
                "INSERT OR REPLACE INTO reports (kind, source, bytes, expires_ms) "
                "VALUES (?, ?, ?, ?)");
  if (!put.ok()) return Error("cannot prepare report write");
  put.BindText(1, kind);
  put.BindText(2, source);
  put.BindBlob(3, bytes);
  put.BindInt64(4, absl::ToUnixMillis(absl::Now() + ttl));
  if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write report ", kind));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SqliteMetadataStore::ListReports(absl::string_view kind) {
  absl::MutexLock lock(&mu_);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  {
    Statement prune(db_, "DELETE FROM reports WHERE expires_ms <= ?");
    if (!prune.ok()) return Error("cannot prepare report pruning");
    prune.BindInt64(1, now_ms);
    if (prune.Step() != SQLITE_DONE) return Error("cannot prune reports");
  }
  Statement list(db_, "SELECT bytes FROM reports WHERE kind = ? ORDER BY source");
  if (!list.ok()) return Error("cannot prepare report listing");
  list.BindText(1, kind);
  std::vector<std::string> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) {
    const char* data = static_cast<const char*>(list.ColumnBlob(0));
    out.emplace_back(data == nullptr ? "" : std::string(data, list.ColumnBytes(0)));
  }
  if (rc != SQLITE_DONE) return Error("cannot list reports");
  return out;
}

absl::StatusOr<v1::OfflineJob> SqliteMetadataStore::GetJob(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  Statement get(db_, "SELECT record FROM jobs WHERE id = ?");
  if (!get.ok()) return Error("cannot prepare job read");
  get.BindText(1, id);
  const int rc = get.Step();
  if (rc == SQLITE_DONE)
    return absl::NotFoundError(absl::StrCat("offline job \"", id, "\" does not exist"));
  if (rc != SQLITE_ROW) return Error(absl::StrCat("cannot read job ", id));
  return ParseRecord<v1::OfflineJob>(get.ColumnBlob(0), get.ColumnBytes(0),
                                     absl::StrCat("job ", id), path_);
}

absl::StatusOr<std::vector<v1::OfflineJob>> SqliteMetadataStore::ListJobs() {
  absl::MutexLock lock(&mu_);
  Statement list(db_, "SELECT record FROM jobs ORDER BY created_ms, id");
  if (!list.ok()) return Error("cannot prepare job listing");
  std::vector<v1::OfflineJob> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(
        v1::OfflineJob job,
        ParseRecord<v1::OfflineJob>(list.ColumnBlob(0), list.ColumnBytes(0), "job", path_));
    out.push_back(std::move(job));
  }
  if (rc != SQLITE_DONE) return Error("cannot list jobs");
  return out;
}

absl::Status SqliteMetadataStore::SetPinned(absl::string_view variant, bool pinned) {
  RETURN_IF_ERROR(ValidatePinnedName(variant));
  absl::MutexLock lock(&mu_);
  Statement write(db_, pinned ? "INSERT OR IGNORE INTO pins (variant) VALUES (?)"
                              : "DELETE FROM pins WHERE variant = ?");
  if (!write.ok()) return Error("cannot prepare pin write");
  write.BindText(1, variant);
  if (write.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write pin of ", variant));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SqliteMetadataStore::ListPinned() {
  absl::MutexLock lock(&mu_);
  Statement list(db_, "SELECT variant FROM pins ORDER BY variant");
  if (!list.ok()) return Error("cannot prepare pin listing");
  std::vector<std::string> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) out.push_back(list.ColumnText(0));
  if (rc != SQLITE_DONE) return Error("cannot list pins");
  return out;
}

template <typename Proto>
absl::StatusOr<std::vector<Proto>> SqliteMetadataStore::ListKeyed(absl::string_view table,
                                                                  absl::string_view order_by,
                                                                  absl::string_view what) {
  absl::MutexLock lock(&mu_);
  Statement list(db_, absl::StrCat("SELECT record FROM ", table, " ORDER BY ", order_by));
  if (!list.ok()) return Error(absl::StrCat("cannot prepare the listing of ", table));
  std::vector<Proto> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(Proto r,
                     ParseRecord<Proto>(list.ColumnBlob(0), list.ColumnBytes(0), what, path_));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error(absl::StrCat("cannot list ", table));
  return out;
}

absl::Status SqliteMetadataStore::PutApiKey(const v1::ApiKeyRecord& key) {
  RETURN_IF_ERROR(ValidateApiKeyRecord(key));
  absl::MutexLock lock(&mu_);
  Statement put(db_, "INSERT OR REPLACE INTO api_keys (id, tenant, record) VALUES (?, ?, ?)");
  if (!put.ok()) return Error("cannot prepare an API key write");
  put.BindText(1, key.id());
  put.BindText(2, key.tenant());
  put.BindBlob(3, key.SerializeAsString());
  if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write API key ", key.id()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ApiKeyRecord>> SqliteMetadataStore::ListApiKeys() {
  return ListKeyed<v1::ApiKeyRecord>("api_keys", "tenant, id", "API key");
}

absl::Status SqliteMetadataStore::DeleteApiKey(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  Statement del(db_, "DELETE FROM api_keys WHERE id = ?");
  if (!del.ok()) return Error("cannot prepare an API key delete");
  del.BindText(1, id);
  if (del.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot delete API key ", id));
  if (sqlite3_changes(db_) == 0) {
    return absl::NotFoundError(absl::StrCat("API key \"", id, "\" does not exist"));
  }
  return absl::OkStatus();
}

absl::Status SqliteMetadataStore::PutTenant(const v1::TenantRecord& tenant) {
  RETURN_IF_ERROR(ValidateTenantRecord(tenant));
  absl::MutexLock lock(&mu_);
  Statement put(db_, "INSERT OR REPLACE INTO tenants (name, record) VALUES (?, ?)");
  if (!put.ok()) return Error("cannot prepare a tenant write");
  put.BindText(1, tenant.name());
  put.BindBlob(2, tenant.SerializeAsString());
  if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write tenant ", tenant.name()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::TenantRecord>> SqliteMetadataStore::ListTenants() {
  return ListKeyed<v1::TenantRecord>("tenants", "name", "tenant");
}

}  // namespace infaas::store
