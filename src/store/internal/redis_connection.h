#pragma once

// One hiredis connection that reconnects by itself.
//
// A command that fails because the connection broke (Redis restarted, an
// idle connection was dropped) reconnects and is retried once; if Redis is
// still unreachable the call returns Unavailable naming the server. Not
// thread-safe: the owner serialises calls.

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace infaas::store::internal {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

// One command as its arguments, binary safe: {"SET", key, bytes}.
using RedisCommand = std::vector<std::string>;

class RedisConnection {
 public:
  // `password` (empty: none) is sent with AUTH on every (re)connect.
  RedisConnection(std::string host, int port, int db, absl::Duration timeout,
                  std::string password = "");
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects (or reconnects) now; Unavailable if Redis cannot be reached.
  absl::Status Connect();

  // Runs one command. A Redis error reply becomes an Internal status with
  // Redis's message; a transport failure becomes Unavailable.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command);

  // Runs the commands inside MULTI ... EXEC: all apply or none. Returns the
  // EXEC reply (an array with one reply per command).
  absl::StatusOr<RedisReply> RunTransaction(const std::vector<RedisCommand>& commands);

  std::string Address() const;

 private:
  absl::StatusOr<RedisReply> RunOnce(const RedisCommand& command);
  absl::StatusOr<RedisReply> RunTransactionOnce(const std::vector<RedisCommand>& commands);
  absl::Status TransportError(absl::string_view what);
  void Append(const RedisCommand& command);
  absl::StatusOr<RedisReply> ReadReply();

  const std::string host_;
  const int port_;
  const int db_;
  const absl::Duration timeout_;
  const std::string password_;
  redisContext* context_ = nullptr;
};

}  // namespace infaas::store::internal
