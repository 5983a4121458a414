#include "profiler/child_profiler.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/process_control.h"
#include "common/status_macros.h"
#include "profiler/profile_job.h"

namespace infaas::profiler {
namespace {

// The largest answer a child may give (a few hundred bytes in practice).
constexpr size_t kMaxResultBytes = 1 << 20;

// Closes the socket and makes sure the child is gone and reaped, on every
// path; Reap() collects the exit status first when the caller wants it.
class ChildGuard {
 public:
  explicit ChildGuard(ConnectedChild child) : child_(child) {}
  ~ChildGuard() {
    if (child_.socket >= 0) ::close(child_.socket);
    if (!reaped_) {
      ::kill(child_.pid, SIGKILL);
      Reap();
    }
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

  int socket() const { return child_.socket; }
  pid_t pid() const { return child_.pid; }

  // Waits for the child to exit; its wait status.
  int Reap() {
    int status = 0;
    while (::waitpid(child_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  ConnectedChild child_;
  bool reaped_ = false;
};

absl::Status SendAll(int socket, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(socket, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(absl::StrCat("send: ", std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }
  ::shutdown(socket, SHUT_WR);  // the child reads to end of file
  return absl::OkStatus();
}

// Reads the child's answer to end of file; DeadlineExceeded at `deadline`.
absl::StatusOr<std::string> ReceiveUntil(int socket, absl::Time deadline) {
  std::string answer;
  char buffer[4096];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("time limit");
    pollfd p{.fd = socket, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
    if (ready == 0) continue;
    const ssize_t n = ::recv(socket, buffer, sizeof(buffer), 0);
    if (n == 0) return answer;
    if (n < 0) {
      if (errno == EINTR) continue;
      return answer;  // a reset: judged by the exit status
    }
    if (answer.size() + static_cast<size_t>(n) > kMaxResultBytes) {
      return absl::InternalError("the profiler's answer is too large");
    }
    answer.append(buffer, static_cast<size_t>(n));
  }
}

std::string Describe(const v1::ModelConfig& config, int cpu_threads) {
  return absl::StrCat("model ", config.name(), " (", FrameworkShortName(config.framework()), ", ",
                      cpu_threads, " threads)");
}

std::string MemoryLimitText(const ChildLimits& limits) {
  return absl::StrFormat("%d MiB", limits.memory_limit_bytes >> 20);
}

// Why a child that answered nothing usable ended, as a status.
absl::Status ExitError(int wait_status, const v1::ModelConfig& config, int cpu_threads,
                       const ChildLimits& limits) {
  const std::string what = Describe(config, cpu_threads);
  const std::string hint =
      limits.memory_limit_bytes > 0
          ? absl::StrCat("; the model file may be corrupt, or need more memory than the ",
                         MemoryLimitText(limits),
                         " profiler limit (infaas-master --profile-memory-limit-mb)")
          : "; the model file may be corrupt";
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    if (signal == SIGKILL) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the profiler of ", what, " was killed (out of memory?)", hint));
    }
    return absl::InternalError(absl::StrCat("the profiler of ", what, " crashed (signal ", signal,
                                            ", ", strsignal(signal), ")", hint));
  }
  return absl::InternalError(absl::StrCat("the profiler of ", what, " exited with status ",
                                          WEXITSTATUS(wait_status), " without an answer", hint));
}

}  // namespace

absl::StatusOr<InstanceMeasurement> MeasureInChild(const v1::ModelConfig& config,
                                                   const std::filesystem::path& model_dir,
                                                   int cpu_threads, const ProfileOptions& options,
                                                   const ValidationSet* validation,
                                                   const ChildLimits& limits) {
  const absl::Time deadline = absl::Now() + limits.time_limit;
  ASSIGN_OR_RETURN(ConnectedChild spawned, SpawnConnected(limits.binary, {}));
  ChildGuard child(spawned);
  // The child sets the memory limit on itself once it has read the job,
  // before it touches the model.
  const std::string job =
      ProfileJobFor(config, model_dir, cpu_threads, options, validation, limits.memory_limit_bytes)
          .SerializeAsString();
  // A child that stops reading (it hangs before its job is in) cannot hold
  // this thread past the time limit either.
  const timeval send_limit = absl::ToTimeval(limits.time_limit);
  ::setsockopt(child.socket(), SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof(send_limit));
  // A child that died before reading is judged by its exit status below.
  SendAll(child.socket(), job).IgnoreError();
  absl::StatusOr<std::string> answer = ReceiveUntil(child.socket(), deadline);
  if (absl::IsDeadlineExceeded(answer.status())) {
    return absl::DeadlineExceededError(absl::StrCat(
        "profiling ", Describe(config, cpu_threads), " took longer than its ",
        absl::FormatDuration(limits.time_limit),
        " limit and was stopped (infaas-master --profile-time-limit-s); a model that takes "
        "this long per run cannot meet any latency target"));
  }
  const int wait_status = child.Reap();
  v1::ProfileJobResult result;
  if (!answer.ok() || answer->empty() || !result.ParseFromString(*answer)) {
    return ExitError(wait_status, config, cpu_threads, limits);
  }
  absl::StatusOr<InstanceMeasurement> measured = MeasurementOf(result);
  // Engines report a failed allocation in their own words.
  const bool out_of_memory = absl::IsResourceExhausted(measured.status()) ||
                             absl::StrContains(measured.status().message(), "bad_alloc") ||
                             absl::StrContains(measured.status().message(), "allocate");
  if (!measured.ok() && out_of_memory && limits.memory_limit_bytes > 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        measured.status().message(), ": out of the profiler's ", MemoryLimitText(limits),
        " memory limit (infaas-master --profile-memory-limit-mb)"));
  }
  return measured;
}

InstanceMeasurer ChildProcessMeasurer(ChildLimits limits) {
  return [limits](const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                  int cpu_threads, const ProfileOptions& options, const ValidationSet* validation) {
    return MeasureInChild(config, model_dir, cpu_threads, options, validation, limits);
  };
}

}  // namespace infaas::profiler
