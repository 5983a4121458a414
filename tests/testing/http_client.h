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

namespace infaas::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (connection failed)
  std::string body;
  std::map<std::string, std::string> headers;
};

HttpReply HttpGet(const std::string& address, const std::string& path);
HttpReply HttpPost(const std::string& address, const std::string& path, const std::string& body,
                   const std::map<std::string, std::string>& headers = {});

// Runs `promtool check metrics` on `text`; OK, or the tool's complaints.
absl::Status PromtoolCheck(absl::string_view text);

// Runs `command` with bash in `dir`; its exit code and stdout.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunShell(const std::string& command, const std::string& dir);

}  // namespace infaas::testing
