#include "cli/pid_file.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::cli {

absl::StatusOr<pid_t> ParsePid(absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value) || value <= 0 ||
      value > std::numeric_limits<pid_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a process id"));
  }
  return static_cast<pid_t>(value);
}

absl::Status WritePidFile(const std::filesystem::path& path, pid_t pid) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path.parent_path().string(), ": ", ec.message()));
  }
  return WriteFileAtomically(path, absl::StrCat(pid, "\n"));
}

absl::StatusOr<pid_t> ReadPidFile(const std::filesystem::path& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  absl::StatusOr<pid_t> pid = ParsePid(text);
  if (!pid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("pid file ", path.string(), ": ",
                                                   pid.status().message(),
                                                   "; delete it if no INFaaS process runs"));
  }
  return pid;
}

}  // namespace infaas::cli
