#pragma once

// A real child process for integration tests: started with fork/exec, its
// stdout readable line by line (with a timeout), its stderr appended to a
// log file, killed if the test process dies (PR_SET_PDEATHSIG), and stopped
// on destruction (SIGTERM, then SIGKILL after a grace period).
//
//   ASSIGN_OR_RETURN(auto master, ChildProcess::Start({bin, "--listen", "127.0.0.1:0"}, log));
//   ASSIGN_OR_RETURN(std::string line, master->ReadLine(absl::Seconds(30)));
//
// Not thread-safe.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace infaas::testing {

class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::filesystem::path& stderr_log);
  ~ChildProcess();

  // The next line of stdout without its newline; DeadlineExceeded after
  // `timeout`, Unavailable at end of file (the process exited).
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Sends `signal` and waits for the exit (up to `grace`, then SIGKILL).
  // Returns the exit status as waitpid reports it.
  int Stop(int signal, absl::Duration grace = absl::Seconds(10));

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  std::string buffer_;
};

}  // namespace infaas::testing
