#pragma once

// Starting and stopping the background processes of a local cluster
// (`infaas up` / `infaas down`). Linux only: liveness and identity come from
// /proc. Thread-compatible.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infaas {

// Starts `binary` with `args` (argv[0] excluded) in a new session, so that it
// outlives this process and a terminal's Ctrl-C does not reach it. stdin is
// /dev/null; stdout and stderr go to `log_file`, truncated first (its folder
// is created). Returns the child's pid; the caller reaps it or leaves it to
// init by exiting. Errors name the binary: NotFound if it does not exist,
// Internal for other spawn failures.
absl::StatusOr<pid_t> SpawnDetached(const std::filesystem::path& binary,
                                    const std::vector<std::string>& args,
                                    const std::filesystem::path& log_file);

// Whether process `pid` exists and has not exited (a zombie counts as exited).
bool ProcessAlive(pid_t pid);

// Whether process `pid` runs a program whose argv[0] file name is `name`
// (e.g. "infaas-master"): guards against a pid file whose pid was reused.
bool ProcessRunsBinary(pid_t pid, absl::string_view name);

enum class StopOutcome {
  kNotRunning,  // nothing to stop
  kExited,      // exited after SIGTERM within the grace period
  kKilled,      // needed SIGKILL
};

// Sends SIGTERM, waits up to `grace` for the process to exit, then sends
// SIGKILL and waits a little more. Reaps it if it is this process's child.
StopOutcome StopProcess(pid_t pid, absl::Duration grace);

// The last `max_lines` lines of a text file ("" if it cannot be read), for
// showing why a process died.
std::string TailOfFile(const std::filesystem::path& path, int max_lines);

}  // namespace infaas
