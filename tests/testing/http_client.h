#pragma once

// Small helpers for tests that talk HTTP to a TestCluster's master: a
// cpp-httplib client per address, JSON parsing, and promtool.
//
//   HttpReply r = HttpPost(cluster->http_address(), "/v2/models/lenet5/infer", body);
//   EXPECT_EQ(r.status, 200) << r.body;
//
// Not thread-safe (one client per call).

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infaas::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (connection failed)
  std::string body;
  std::map<std::string, std::string> headers;
};

HttpReply HttpGet(const std::string& address, const std::string& path,
                  const std::map<std::string, std::string>& headers = {});
HttpReply HttpPost(const std::string& address, const std::string& path, const std::string& body,
                   const std::map<std::string, std::string>& headers = {});

// The message of a JSON error answer {"error": "..."}; empty when the body
// is not one.
std::string JsonErrorOf(const HttpReply& reply);

// Sends `bytes` as they are on a fresh TCP connection to HOST:PORT and
// returns what came back until the server closed the connection or
// `timeout` passed (for requests no HTTP client library would send).
std::string RawExchange(const std::string& address, const std::string& bytes,
                        absl::Duration timeout);

// A TCP connection that sends nothing (a slow or idle client); closed when
// destroyed.
class IdleConnection {
 public:
  explicit IdleConnection(const std::string& address);
  ~IdleConnection();
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  // Sends `bytes` (a part of a request).
  void Send(const std::string& bytes);
  // True when the server has closed the connection (reads EOF or an error
  // without blocking).
  bool ClosedByServer();

 private:
  int fd_ = -1;
};

// Runs `promtool check metrics` on `text`; OK, or the tool's complaints.
absl::Status PromtoolCheck(absl::string_view text);

// Runs `command` with bash in `dir`; its exit code and stdout.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunShell(const std::string& command, const std::string& dir);

}  // namespace infaas::testing
