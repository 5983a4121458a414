#include "store/testing/redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace infaas::store::testing {
namespace {

absl::StatusOr<std::filesystem::path> FindRedisServer() {
  const char* path_env = std::getenv("PATH");
  std::vector<std::string> dirs = absl::StrSplit(path_env ? path_env : "", ':');
  dirs.push_back("/usr/bin");
  dirs.push_back("/usr/sbin");
  for (const std::string& dir : dirs) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "redis-server";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::FailedPreconditionError(
      "redis-server is not installed; run scripts/install-deps.sh");
}

bool Pings(int port) {
  timeval tv{0, 200000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  bool ok = false;
  if (c != nullptr && c->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply) freeReplyObject(reply);
  }
  if (c) redisFree(c);
  return ok;
}

}  // namespace

absl::StatusOr<int> PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return absl::InternalError("cannot bind an ephemeral port on 127.0.0.1");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  ASSIGN_OR_RETURN(std::filesystem::path binary, FindRedisServer());
  ASSIGN_OR_RETURN(int port, PickFreePort());
  std::string templ = (std::filesystem::temp_directory_path() / "infaas-redis-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<RedisServer> server(new RedisServer(binary, templ, port));
  RETURN_IF_ERROR(server->Launch());
  return server;
}

RedisServer::RedisServer(std::filesystem::path binary, std::filesystem::path dir, int port)
    : binary_(std::move(binary)), dir_(std::move(dir)), port_(port) {}

RedisServer::~RedisServer() {
  Stop().IgnoreError();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status RedisServer::Launch() {
  const std::string port = absl::StrCat(port_);
  const std::string log = (dir_ / "redis.log").string();
  std::vector<std::string> args = {binary_.string(),
                                   "--port",
                                   port,
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_.string(),
                                   "--appendonly",
                                   "yes",
                                   "--appendfsync",
                                   "always",
                                   "--save",
                                   "",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   log};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) return absl::InternalError("fork failed");
  if (pid_ == 0) {
    // If the test process dies without cleaning up, take the server with it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (Pings(port_)) return absl::OkStatus();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("redis-server exited at start; see ", log));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::UnavailableError(
      absl::StrCat("redis-server on port ", port_, " did not answer PING in 10 s; see ", log));
}

absl::Status RedisServer::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  RETURN_IF_ERROR(Stop());
  return Launch();
}

}  // namespace infaas::store::testing
