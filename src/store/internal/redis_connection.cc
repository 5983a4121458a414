#include "store/internal/redis_connection.h"

#include <sys/time.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::store::internal {
namespace {

std::vector<const char*> ArgvOf(const RedisCommand& command, std::vector<size_t>* lengths) {
  std::vector<const char*> argv;
  argv.reserve(command.size());
  lengths->clear();
  for (const std::string& arg : command) {
    argv.push_back(arg.data());
    lengths->push_back(arg.size());
  }
  return argv;
}

}  // namespace

RedisConnection::RedisConnection(std::string host, int port, int db, absl::Duration timeout,
                                 std::string password)
    : host_(std::move(host)),
      port_(port),
      db_(db),
      timeout_(timeout),
      password_(std::move(password)) {}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

std::string RedisConnection::Address() const { return absl::StrCat(host_, ":", port_, "/", db_); }

absl::Status RedisConnection::TransportError(absl::string_view what) {
  std::string reason =
      context_ != nullptr && context_->err != 0 ? context_->errstr : "no connection";
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  return absl::UnavailableError(
      absl::StrCat("Redis at ", host_, ":", port_, " ", what, " (", reason,
                   "); start redis-server there, or use --store sqlite:PATH for a single machine"));
}

absl::Status RedisConnection::Connect() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  context_ = redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(timeout_));
  if (context_ == nullptr || context_->err != 0) return TransportError("cannot be reached");
  redisSetTimeout(context_, absl::ToTimeval(timeout_));
  if (!password_.empty()) {
    absl::StatusOr<RedisReply> auth = RunOnce({"AUTH", password_});
    if (!auth.ok()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "Redis at ", Address(), " refused the password; check INFAAS_REDIS_PASSWORD"));
    }
  }
  if (db_ != 0) {
    ASSIGN_OR_RETURN(RedisReply reply, RunOnce({"SELECT", absl::StrCat(db_)}));
    (void)reply;
  }
  return absl::OkStatus();
}

void RedisConnection::Append(const RedisCommand& command) {
  std::vector<size_t> lengths;
  std::vector<const char*> argv = ArgvOf(command, &lengths);
  redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

absl::StatusOr<RedisReply> RedisConnection::ReadReply() {
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    return TransportError("stopped answering");
  }
  RedisReply reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR) {
    if (absl::StartsWith(absl::string_view(reply->str, reply->len), "NOAUTH")) {
      return absl::PermissionDeniedError(
          absl::StrCat("Redis at ", host_, ":", port_,
                       " requires a password; set INFAAS_REDIS_PASSWORD for every INFaaS process"));
    }
    return absl::InternalError(
        absl::StrCat("Redis at ", host_, ":", port_, " refused a command: ", reply->str));
  }
  return reply;
}

absl::StatusOr<RedisReply> RedisConnection::RunOnce(const RedisCommand& command) {
  if (context_ == nullptr) return TransportError("is not connected");
  Append(command);
  return ReadReply();
}

absl::StatusOr<RedisReply> RedisConnection::RunTransactionOnce(
    const std::vector<RedisCommand>& commands) {
  if (context_ == nullptr) return TransportError("is not connected");
  Append({"MULTI"});
  for (const RedisCommand& c : commands) Append(c);
  Append({"EXEC"});
  // MULTI's +OK, one +QUEUED per command, then EXEC's array. After an error
  // the remaining replies are still in flight: drop the connection so the
  // next call starts clean.
  absl::StatusOr<RedisReply> reply;
  for (size_t i = 0; i <= commands.size() + 1; ++i) {
    reply = ReadReply();
    if (!reply.ok()) break;
  }
  if (reply.ok()) {
    for (size_t i = 0; i < (*reply)->elements; ++i) {
      if ((*reply)->element[i]->type == REDIS_REPLY_ERROR) {
        return absl::InternalError(
            absl::StrCat("Redis at ", host_, ":", port_,
                         " failed a transaction step: ", (*reply)->element[i]->str));
      }
    }
  } else if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  return reply;
}

absl::StatusOr<RedisReply> RedisConnection::Run(const RedisCommand& command) {
  if (context_ != nullptr) {
    absl::StatusOr<RedisReply> reply = RunOnce(command);
    if (!absl::IsUnavailable(reply.status())) return reply;
  }
  LogInfo("reconnecting to redis", {{"address", Address()}});
  RETURN_IF_ERROR(Connect());
  return RunOnce(command);
}

absl::StatusOr<RedisReply> RedisConnection::RunTransaction(
    const std::vector<RedisCommand>& commands) {
  // Retrying is safe: a transaction cut off before EXEC applied nothing, and
  // the store only writes idempotent commands (SET, SADD, ZADD, DEL, SREM).
  if (context_ != nullptr) {
    absl::StatusOr<RedisReply> reply = RunTransactionOnce(commands);
    if (!absl::IsUnavailable(reply.status())) return reply;
  }
  LogInfo("reconnecting to redis", {{"address", Address()}});
  RETURN_IF_ERROR(Connect());
  return RunTransactionOnce(commands);
}

}  // namespace infaas::store::internal
