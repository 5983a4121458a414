#pragma once

// Pid files of the processes `infaas up` starts: one decimal pid and a
// newline, written atomically. Thread-compatible; the file system arbitrates.

#include <sys/types.h>

#include <filesystem>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::cli {

// Parses the text of a pid file ("1234\n"). InvalidArgument unless it is a
// positive decimal integer, white space around it allowed.
absl::StatusOr<pid_t> ParsePid(absl::string_view text);

// Writes `pid` to `path` atomically, creating its folder.
absl::Status WritePidFile(const std::filesystem::path& path, pid_t pid);

// The pid in `path`. NotFound if there is no such file; InvalidArgument
// (naming the file) if it does not hold a pid.
absl::StatusOr<pid_t> ReadPidFile(const std::filesystem::path& path);

}  // namespace infaas::cli
