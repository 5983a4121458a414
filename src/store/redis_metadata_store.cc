#include "store/redis_metadata_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace infaas::store {
namespace {

using internal::RedisCommand;
using internal::RedisReply;

// Deletes variants only if all exist. KEYS[1] is the name set, KEYS[2..]
// the record keys; ARGV the names. Returns the 1-based index of the first
// missing name, or 0 after deleting all.
constexpr absl::string_view kDeleteVariantsScript = R"lua(
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return i - 1 end
end
for i = 2, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('SREM', KEYS[1], ARGV[i - 1])
end
return 0
)lua";

// Grants or renews a lease by Redis's clock. KEYS[1] the lease hash
// (holder, token; expires with the lease), KEYS[2] its token counter (never
// expires: tokens only grow); ARGV[1] holder, ARGV[2] ttl in ms. Returns
// {holder, token, remaining ms}.
constexpr absl::string_view kAcquireLeaseScript = R"lua(
local holder = redis.call('HGET', KEYS[1], 'holder')
if not holder then
  local token = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {ARGV[1], token, tonumber(ARGV[2])}
end
local token = tonumber(redis.call('HGET', KEYS[1], 'token'))
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {holder, token, tonumber(ARGV[2])}
end
return {holder, token, redis.call('PTTL', KEYS[1])}
)lua";

// KEYS[1] the lease hash; ARGV[1] holder. Deletes it only if ARGV[1] holds it.
constexpr absl::string_view kReleaseLeaseScript = R"lua(
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
)lua";

// A job write that must come from the lease's current holder and must not
// overwrite an ended job. KEYS[1] the lease hash, KEYS[2] the job key,
// KEYS[3] the jobs sorted set, KEYS[4] the job states hash; ARGV[1] token,
// ARGV[2] record, ARGV[3] created ms, ARGV[4] id, ARGV[5] state, ARGV[6..]
// the final states; an empty token skips the lease check. Returns 0
// written, 1 stale token, 2 job ended.
constexpr absl::string_view kPutJobFencedScript = R"lua(
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 1 end
local stored = redis.call('HGET', KEYS[4], ARGV[4])
for i = 6, #ARGV do
  if stored == ARGV[i] then return 2 end
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
return 0
)lua";

// Reports lapse by Redis's clock. KEYS[1] a sorted set (source -> expiry
// ms), KEYS[2] a hash (source -> bytes). Put: ARGV[1] source, ARGV[2]
// bytes, ARGV[3] ttl ms. List: drops the lapsed, returns the rest's bytes
// sorted by source.
constexpr absl::string_view kPutReportScript = R"lua(
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 0
)lua";
constexpr absl::string_view kListReportsScript = R"lua(
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms)
for _, source in ipairs(lapsed) do redis.call('HDEL', KEYS[2], source) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
local sources = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(sources)
local out = {}
for _, source in ipairs(sources) do
  local bytes = redis.call('HGET', KEYS[2], source)
  if bytes then table.insert(out, bytes) end
end
return out
)lua";

std::string ReplyString(const redisReply* r) { return std::string(r->str, r->len); }

template <typename Proto>
absl::StatusOr<Proto> ParseRecord(const std::string& bytes, absl::string_view what,
                                  absl::string_view where) {
  Proto proto;
  if (!proto.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("store ", where, ": stored ", what,
                                            " cannot be decoded; delete or rewrite that key"));
  }
  return proto;
}

}  // namespace

RedisMetadataStore::RedisMetadataStore(const Options& options)
    : options_(options),
      connection_(options.host, options.port, options.db, options.timeout, options.password) {}

absl::StatusOr<std::unique_ptr<RedisMetadataStore>> RedisMetadataStore::Create(
    const Options& options) {
  std::unique_ptr<RedisMetadataStore> store(new RedisMetadataStore(options));
  absl::MutexLock lock(&store->mu_);
  RETURN_IF_ERROR(store->connection_.Connect());
  RETURN_IF_ERROR(store->CheckSchema());
  return store;
}

std::string RedisMetadataStore::Describe() const {
  return absl::StrCat("redis://", options_.host, ":", options_.port, "/", options_.db);
}

std::string RedisMetadataStore::Key(absl::string_view kind, absl::string_view name) const {
  return absl::StrCat(options_.key_prefix, kind, name);
}

absl::Status RedisMetadataStore::CheckSchema() {
  const std::string key = Key("schema_version", "");
  RETURN_IF_ERROR(connection_.Run({"SET", key, absl::StrCat(kSchemaVersion), "NX"}).status());
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run({"GET", key}));
  int version = 0;
  if (reply->type != REDIS_REPLY_STRING || !absl::SimpleAtoi(ReplyString(reply.get()), &version)) {
    return absl::DataLossError(absl::StrCat("store ", Describe(), ": key ", key,
                                            " does not hold a schema version number"));
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", Describe(), " has schema version ", version,
                     " but this build of INFaaS ", "understands up to version ", kSchemaVersion,
                     "; upgrade INFaaS or use another key prefix"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RedisMetadataStore::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::string> values;
  if (keys.empty()) return values;
  RedisCommand mget = {"MGET"};
  mget.insert(mget.end(), keys.begin(), keys.end());
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run(mget));
  for (size_t i = 0; i < reply->elements; ++i) {
    // A key removed between listing and reading is simply gone.
    if (reply->element[i]->type == REDIS_REPLY_STRING)
      values.push_back(ReplyString(reply->element[i]));
  }
  return values;
}

absl::Status RedisMetadataStore::PutVariants(absl::Span<const v1::VariantRecord> records) {
  for (const v1::VariantRecord& r : records) RETURN_IF_ERROR(ValidateVariantRecord(r));
  if (records.empty()) return absl::OkStatus();
  std::vector<RedisCommand> commands;
  RedisCommand add_names = {"SADD", Key("variants", "")};
  for (const v1::VariantRecord& r : records) {
    commands.push_back({"SET", Key("variant:", r.config().name()), r.SerializeAsString()});
    add_names.push_back(r.config().name());
  }
  commands.push_back(std::move(add_names));
  absl::MutexLock lock(&mu_);
  return connection_.RunTransaction(commands).status();
}

absl::StatusOr<v1::VariantRecord> RedisMetadataStore::GetVariant(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run({"GET", Key("variant:", name)}));
  if (reply->type != REDIS_REPLY_STRING) {
    return absl::NotFoundError(absl::StrCat("variant \"", name, "\" is not registered"));
  }
  return ParseRecord<v1::VariantRecord>(ReplyString(reply.get()), absl::StrCat("variant ", name),
                                        Describe());
}

absl::StatusOr<std::vector<v1::VariantRecord>> RedisMetadataStore::ListVariants(
    const v1::VariantFilter& filter) {
  std::vector<std::string> blobs;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(RedisReply names, connection_.Run({"SMEMBERS", Key("variants", "")}));
    std::vector<std::string> keys;
    for (size_t i = 0; i < names->elements; ++i) {
      keys.push_back(Key("variant:", ReplyString(names->element[i])));
    }
    ASSIGN_OR_RETURN(blobs, GetMany(keys));
  }
  std::vector<v1::VariantRecord> out;
  for (const std::string& blob : blobs) {
    ASSIGN_OR_RETURN(v1::VariantRecord r,
                     ParseRecord<v1::VariantRecord>(blob, "variant", Describe()));
    const v1::ModelConfig& c = r.config();
    if ((filter.task().empty() || c.task() == filter.task()) &&
        (filter.dataset().empty() || c.dataset() == filter.dataset()) &&
        (filter.architecture().empty() || c.architecture() == filter.architecture())) {
      out.push_back(std::move(r));
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::VariantRecord& a, const v1::VariantRecord& b) {
    return a.config().name() < b.config().name();
  });
  return out;
}

absl::Status RedisMetadataStore::DeleteVariants(absl::Span<const std::string> names) {
  if (names.empty()) return absl::OkStatus();
  RedisCommand eval = {"EVAL", std::string(kDeleteVariantsScript), absl::StrCat(names.size() + 1),
                       Key("variants", "")};
  for (const std::string& name : names) eval.push_back(Key("variant:", name));
  eval.insert(eval.end(), names.begin(), names.end());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run(eval));
  if (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0) {
    return absl::NotFoundError(absl::StrCat("variant \"", names[reply->integer - 1],
                                            "\" is not registered; nothing was deleted"));
  }
  return absl::OkStatus();
}

absl::Status RedisMetadataStore::PutJob(const v1::OfflineJob& job) {
  RETURN_IF_ERROR(ValidateJob(job));
  absl::MutexLock lock(&mu_);
  return connection_
      .RunTransaction({{"SET", Key("job:", job.id()), job.SerializeAsString()},
                       {"ZADD", Key("jobs", ""), absl::StrCat(job.created_at_unix_ms()), job.id()},
                       {"HSET", Key("job_states", ""), job.id(), absl::StrCat(job.state())}})
      .status();
}

absl::Status RedisMetadataStore::PutJobFenced(const v1::OfflineJob& job, const Fence& fence) {
  return PutJobChecked(job, &fence);
}

absl::Status RedisMetadataStore::PutJobUnlessEnded(const v1::OfflineJob& job) {
  return PutJobChecked(job, nullptr);
}

absl::Status RedisMetadataStore::PutJobChecked(const v1::OfflineJob& job, const Fence* fence) {
  RETURN_IF_ERROR(ValidateJob(job));
  RedisCommand eval = {"EVAL",
                       std::string(kPutJobFencedScript),
                       "4",
                       Key("lease:", fence != nullptr ? fence->lease : ""),
                       Key("job:", job.id()),
                       Key("jobs", ""),
                       Key("job_states", ""),
                       fence != nullptr ? absl::StrCat(fence->token) : "",
                       job.SerializeAsString(),
                       absl::StrCat(job.created_at_unix_ms()),
                       job.id(),
                       absl::StrCat(job.state())};
  for (v1::OfflineJob::State state : {v1::OfflineJob::STATE_DONE, v1::OfflineJob::STATE_FAILED,
                                      v1::OfflineJob::STATE_CANCELLED}) {
    eval.push_back(absl::StrCat(state));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run(eval));
  if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job.id(), " not saved: lease ", fence->lease, " token ", fence->token,
                     " is no longer current (another master leads now)"));
  }
  if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 2) {
    return absl::AbortedError(
        absl::StrCat("job ", job.id(), " already ended in the store; its record stands"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Lease> RedisMetadataStore::AcquireLease(absl::string_view name,
                                                       absl::string_view holder,
                                                       absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateLeaseRequest(name, holder, ttl));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      RedisReply reply,
      connection_.Run({"EVAL", std::string(kAcquireLeaseScript), "2", Key("lease:", name),
                       Key("lease_token:", name), std::string(holder),
                       absl::StrCat(absl::ToInt64Milliseconds(ttl))}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_INTEGER ||
      reply->element[2]->type != REDIS_REPLY_INTEGER) {
    return absl::DataLossError(
        absl::StrCat("store ", Describe(), ": lease ", name, " has an unexpected form"));
  }
  return Lease{.holder = ReplyString(reply->element[0]),
               .token = reply->element[1]->integer,
               .remaining = absl::Milliseconds(std::max<long long>(0, reply->element[2]->integer))};
}

absl::Status RedisMetadataStore::ReleaseLease(absl::string_view name, absl::string_view holder) {
  absl::MutexLock lock(&mu_);
  return connection_
      .Run(
          {"EVAL", std::string(kReleaseLeaseScript), "1", Key("lease:", name), std::string(holder)})
      .status();
}

absl::Status RedisMetadataStore::PutReport(absl::string_view kind, absl::string_view source,
                                           const std::string& bytes, absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateReport(kind, source, bytes, ttl));
  absl::MutexLock lock(&mu_);
  return connection_
      .Run({"EVAL", std::string(kPutReportScript), "2", Key("report_expiry:", kind),
            Key("report:", kind), std::string(source), bytes,
            absl::StrCat(absl::ToInt64Milliseconds(ttl))})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisMetadataStore::ListReports(absl::string_view kind) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply,
                   connection_.Run({"EVAL", std::string(kListReportsScript), "2",
                                    Key("report_expiry:", kind), Key("report:", kind)}));
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->elements; ++i) out.push_back(ReplyString(reply->element[i]));
  return out;
}

absl::StatusOr<v1::OfflineJob> RedisMetadataStore::GetJob(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply, connection_.Run({"GET", Key("job:", id)}));
  if (reply->type != REDIS_REPLY_STRING) {
    return absl::NotFoundError(absl::StrCat("offline job \"", id, "\" does not exist"));
  }
  return ParseRecord<v1::OfflineJob>(ReplyString(reply.get()), absl::StrCat("job ", id),
                                     Describe());
}

absl::StatusOr<std::vector<v1::OfflineJob>> RedisMetadataStore::ListJobs() {
  std::vector<std::string> blobs;
  {
    absl::MutexLock lock(&mu_);
    // Sorted by score (creation time), then by member (id): the contract's order.
    ASSIGN_OR_RETURN(RedisReply ids, connection_.Run({"ZRANGE", Key("jobs", ""), "0", "-1"}));
    std::vector<std::string> keys;
    for (size_t i = 0; i < ids->elements; ++i)
      keys.push_back(Key("job:", ReplyString(ids->element[i])));
    ASSIGN_OR_RETURN(blobs, GetMany(keys));
  }
  std::vector<v1::OfflineJob> out;
  for (const std::string& blob : blobs) {
    ASSIGN_OR_RETURN(v1::OfflineJob job, ParseRecord<v1::OfflineJob>(blob, "job", Describe()));
    out.push_back(std::move(job));
  }
  return out;
}

absl::Status RedisMetadataStore::SetPinned(absl::string_view variant, bool pinned) {
  RETURN_IF_ERROR(ValidatePinnedName(variant));
  absl::MutexLock lock(&mu_);
  return connection_.Run({pinned ? "SADD" : "SREM", Key("pins", ""), std::string(variant)})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisMetadataStore::ListPinned() {
  std::vector<std::string> out;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(RedisReply names, connection_.Run({"SMEMBERS", Key("pins", "")}));
    for (size_t i = 0; i < names->elements; ++i) out.push_back(ReplyString(names->element[i]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <typename Proto>
absl::StatusOr<std::vector<Proto>> RedisMetadataStore::HashValues(absl::string_view kind,
                                                                  absl::string_view what) {
  std::vector<Proto> out;
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply values, connection_.Run({"HVALS", Key(kind, "")}));
  for (size_t i = 0; i < values->elements; ++i) {
    ASSIGN_OR_RETURN(Proto record,
                     ParseRecord<Proto>(ReplyString(values->element[i]), what, Describe()));
    out.push_back(std::move(record));
  }
  return out;
}

absl::Status RedisMetadataStore::PutApiKey(const v1::ApiKeyRecord& key) {
  RETURN_IF_ERROR(ValidateApiKeyRecord(key));
  absl::MutexLock lock(&mu_);
  return connection_.Run({"HSET", Key("api_keys", ""), key.id(), key.SerializeAsString()}).status();
}

absl::StatusOr<std::vector<v1::ApiKeyRecord>> RedisMetadataStore::ListApiKeys() {
  ASSIGN_OR_RETURN(std::vector<v1::ApiKeyRecord> keys,
                   HashValues<v1::ApiKeyRecord>("api_keys", "API key"));
  std::sort(keys.begin(), keys.end(), [](const v1::ApiKeyRecord& a, const v1::ApiKeyRecord& b) {
    return std::tie(a.tenant(), a.id()) < std::tie(b.tenant(), b.id());
  });
  return keys;
}

absl::Status RedisMetadataStore::DeleteApiKey(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RedisReply reply,
                   connection_.Run({"HDEL", Key("api_keys", ""), std::string(id)}));
  if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
    return absl::NotFoundError(absl::StrCat("API key \"", id, "\" does not exist"));
  }
  return absl::OkStatus();
}

absl::Status RedisMetadataStore::PutTenant(const v1::TenantRecord& tenant) {
  RETURN_IF_ERROR(ValidateTenantRecord(tenant));
  absl::MutexLock lock(&mu_);
  return connection_.Run({"HSET", Key("tenants", ""), tenant.name(), tenant.SerializeAsString()})
      .status();
}

absl::StatusOr<std::vector<v1::TenantRecord>> RedisMetadataStore::ListTenants() {
  ASSIGN_OR_RETURN(std::vector<v1::TenantRecord> tenants,
                   HashValues<v1::TenantRecord>("tenants", "tenant"));
  std::sort(
      tenants.begin(), tenants.end(),
      [](const v1::TenantRecord& a, const v1::TenantRecord& b) { return a.name() < b.name(); });
  return tenants;
}

}  // namespace infaas::store
