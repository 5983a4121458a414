#include "testing/http_client.h"

#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

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

}  // namespace

HttpReply HttpGet(const std::string& address, const std::string& path) {
  return From(ClientFor(address).Get(path));
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
