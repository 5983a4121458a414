#pragma once

// Starting and stopping the background processes of a local cluster
// (`infaas up` / `infaas down`) and helper children (the isolated profiler). Linux only: liveness
// and identity come from /proc. Thread-compatible.

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

// A child started by SpawnConnected and this process's end of its socket.
struct ConnectedChild {
  pid_t pid = -1;
  int socket = -1;  // the caller closes it and reaps `pid`
};

// Starts `binary` with `args` as a child of this process (same session):
// its stdin and stdout are one end of a local stream socket, whose other
// end is returned (close-on-exec); stderr is this process's. Writing to a
// socket whose child has died gives EPIPE with send(MSG_NOSIGNAL), never
// SIGPIPE. Errors as SpawnDetached's.
absl::StatusOr<ConnectedChild> SpawnConnected(const std::filesystem::path& binary,
                                              const std::vector<std::string>& args);

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
