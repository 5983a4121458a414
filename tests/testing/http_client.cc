#include "testing/http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace infaas::testing {
namespace {

HttpReply From(const httplib::Result& result) {
  HttpReply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  for (const auto& [k, v] : result->headers) reply.headers[k] = v;
  return reply;
}

httplib::Client ClientFor(const std::string& address) {
  httplib::Client client(absl::StrCat("http://", address));
  client.set_read_timeout(60, 0);
  client.set_tcp_nodelay(true);
  return client;
}

// A connected TCP socket to HOST:PORT (IPv4), or -1.
int Connect(const std::string& address) {
  const std::vector<std::string> parts = absl::StrSplit(address, ':');
  int port = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port)) return -1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  const std::string host = parts[0] == "localhost" ? "127.0.0.1" : parts[0];
  if (::inet_pton(AF_INET, host.c_str(), &to.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed the connection: what it answered is read next
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

std::string JsonErrorOf(const HttpReply& reply) {
  const nlohmann::json j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_string()) return "";
  return j["error"].get<std::string>();
}

std::string RawExchange(const std::string& address, const std::string& bytes,
                        absl::Duration timeout) {
  const int fd = Connect(address);
  if (fd < 0) return "";
  SendAll(fd, bytes);
  std::string answer;
  const absl::Time until = absl::Now() + timeout;
  char buffer[4096];
  while (absl::Now() < until) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ms = static_cast<int>(absl::ToInt64Milliseconds(until - absl::Now()));
    if (::poll(&p, 1, std::max(ms, 1)) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

IdleConnection::IdleConnection(const std::string& address) : fd_(Connect(address)) {}

IdleConnection::~IdleConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void IdleConnection::Send(const std::string& bytes) {
  if (fd_ >= 0) SendAll(fd_, bytes);
}

bool IdleConnection::ClosedByServer() {
  if (fd_ < 0) return true;
  pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buffer[4096];
  const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
  return n <= 0;
}

HttpReply HttpGet(const std::string& address, const std::string& path,
                  const std::map<std::string, std::string>& headers) {
  return From(ClientFor(address).Get(path, httplib::Headers(headers.begin(), headers.end())));
}

HttpReply HttpPost(const std::string& address, const std::string& path, const std::string& body,
                   const std::map<std::string, std::string>& headers) {
  httplib::Headers h(headers.begin(), headers.end());
  return From(ClientFor(address).Post(path, h, body, "application/json"));
}

CommandResult RunShell(const std::string& command, const std::string& dir) {
  const std::string line = absl::StrCat(
      "cd '", dir, "' && bash -c '",
      [&] {
        std::string quoted;
        for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return quoted;
      }(),
      "'");
  CommandResult r;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

absl::Status PromtoolCheck(absl::string_view text) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / absl::StrCat("infaas-metrics-", ::getpid(), ".txt");
  std::ofstream(path) << text;
  CommandResult r =
      RunShell(absl::StrCat("promtool check metrics < ", path.string(), " 2>&1"), "/");
  std::filesystem::remove(path);
  if (r.exit_code == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("promtool exit ", r.exit_code, ": ", r.output));
}

}  // namespace infaas::testing
