#pragma once

// WorkerProcess: runs the infaas-worker binary as a child process for tests,
// reading its stdout and stopping it with SIGTERM.
//
//   WorkerProcess worker;
//   ASSERT_TRUE(worker.Start({"--listen", "127.0.0.1:0"}));
//   std::string line = worker.ReadLine(absl::Seconds(60));  // "infaas-worker ... listening on ..."
//   EXPECT_EQ(worker.Terminate(), 0);
//
// The binary is $INFAAS_BINARY_DIR/bin/infaas-worker (CTest sets the
// variable) or the build folder's when run by hand. Test-only; one thread.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace infaas::worker::testing {

std::filesystem::path WorkerBinary();

class WorkerProcess {
 public:
  WorkerProcess() = default;
  // Kills the child if it still runs.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Starts WorkerBinary() with `args`, its stdout piped to this object;
  // false when the process cannot be started.
  bool Start(const std::vector<std::string>& args);

  // The next line of its stdout without the newline; empty at end of
  // output or after `timeout`.
  std::string ReadLine(absl::Duration timeout);

  // Sends SIGTERM and waits for the exit: the exit status, or -1 when a
  // signal ended it.
  int Terminate();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

}  // namespace infaas::worker::testing
