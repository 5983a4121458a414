#pragma once

// A real redis-server for tests: started on a free loopback port in its own
// temporary folder with AOF on (appendfsync always), stopped and removed on
// destruction. Restart() stops it and starts it again on the same port and
// folder, so data written before survives through the AOF.
//
//   ASSIGN_OR_RETURN(auto redis, RedisServer::Start());
//   store = RedisMetadataStore::Create({.port = redis->port()});
//
// Not thread-safe.

#include <sys/types.h>

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace infaas::store::testing {

class RedisServer {
 public:
  // FailedPrecondition if no redis-server binary is installed (the message
  // says to run scripts/install-deps.sh); Unavailable if it does not answer
  // PING within 10 s.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();

  absl::Status Restart();
  absl::Status Stop();  // idempotent

  int port() const { return port_; }

 private:
  RedisServer(std::filesystem::path binary, std::filesystem::path dir, int port);
  absl::Status Launch();

  const std::filesystem::path binary_;
  const std::filesystem::path dir_;
  const int port_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
absl::StatusOr<int> PickFreePort();

}  // namespace infaas::store::testing
