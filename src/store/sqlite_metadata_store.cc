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
  Statement put(db_, "INSERT OR REPLACE INTO jobs (id, created_ms, record) VALUES (?, ?, ?)");
  if (!put.ok()) return Error("cannot prepare job write");
  put.BindText(1, job.id());
  put.BindInt64(2, job.created_at_unix_ms());
  put.BindBlob(3, job.SerializeAsString());
  if (put.Step() != SQLITE_DONE) return Error(absl::StrCat("cannot write job ", job.id()));
  return absl::OkStatus();
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
