#include "common/process_control.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace infaas {
namespace {

std::string ReadProcFile(pid_t pid, absl::string_view name) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/", name), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// posix_spawn's attributes and file actions, released on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // No blocked signals and default dispositions for the signals a launcher
  // may have changed; a new session when `new_session`.
  void ResetSignals(bool new_session) {
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setflags(&attr_, (new_session ? POSIX_SPAWN_SETSID : 0) |
                                         POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }

  // New session; stdio as SpawnDetached documents.
  void ConfigureDetached(const std::string& log_file) {
    ResetSignals(/*new_session=*/true);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions_, 1, 2);
  }

  // The child's descriptor `to` is this process's `from`.
  void Redirect(int from, int to) { posix_spawn_file_actions_adddup2(&actions_, from, to); }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

absl::StatusOr<pid_t> Spawn(const std::filesystem::path& binary,
                            const std::vector<std::string>& args, const SpawnSetup& setup,
                            absl::string_view context) {
  std::vector<std::string> argv_strings = {binary.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv_strings[0].c_str(), setup.actions(), setup.attr(),
                              argv.data(), environ);
  if (err == ENOENT) {
    return absl::NotFoundError(absl::StrCat("cannot start ", binary.string(), ": no such file"));
  }
  if (err != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", binary.string(), context, ": ", std::strerror(err)));
  }
  return pid;
}

}  // namespace

absl::StatusOr<pid_t> SpawnDetached(const std::filesystem::path& binary,
                                    const std::vector<std::string>& args,
                                    const std::filesystem::path& log_file) {
  std::error_code ec;
  std::filesystem::create_directories(log_file.parent_path(), ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", log_file.parent_path().string(), ": ", ec.message()));
  }
  const std::string log_path = log_file.string();
  SpawnSetup setup;
  setup.ConfigureDetached(log_path);
  return Spawn(binary, args, setup, absl::StrCat(" (log ", log_path, ")"));
}

absl::StatusOr<ConnectedChild> SpawnConnected(const std::filesystem::path& binary,
                                              const std::vector<std::string>& args) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", binary.string(), ": socketpair: ", std::strerror(errno)));
  }
  SpawnSetup setup;
  setup.ResetSignals(/*new_session=*/false);
  setup.Redirect(ends[1], 0);
  setup.Redirect(ends[1], 1);
  absl::StatusOr<pid_t> pid = Spawn(binary, args, setup, "");
  ::close(ends[1]);
  if (!pid.ok()) {
    ::close(ends[0]);
    return pid.status();
  }
  return ConnectedChild{.pid = *pid, .socket = ends[0]};
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // /proc/<pid>/stat is "pid (comm) STATE ..."; comm may hold spaces and ')'.
  const std::string stat = ReadProcFile(pid, "stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

bool ProcessRunsBinary(pid_t pid, absl::string_view name) {
  const std::string cmdline = ReadProcFile(pid, "cmdline");
  const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  return !argv0.empty() && std::filesystem::path(argv0).filename().string() == name;
}

StopOutcome StopProcess(pid_t pid, absl::Duration grace) {
  if (!ProcessAlive(pid)) {
    ::waitpid(pid, nullptr, WNOHANG);
    return StopOutcome::kNotRunning;
  }
  auto wait_for_exit = [pid](absl::Duration limit) {
    const absl::Time deadline = absl::Now() + limit;
    while (ProcessAlive(pid)) {
      if (absl::Now() >= deadline) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ::waitpid(pid, nullptr, WNOHANG);  // reap our own child; ECHILD otherwise
    return true;
  };
  ::kill(pid, SIGTERM);
  if (wait_for_exit(grace)) return StopOutcome::kExited;
  ::kill(pid, SIGKILL);
  wait_for_exit(absl::Seconds(2));
  return StopOutcome::kKilled;
}

std::string TailOfFile(const std::filesystem::path& path, int max_lines) {
  // A log can be large; its end is enough.
  constexpr std::streamoff kTailBytes = 64 * 1024;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  in.seekg(size > kTailBytes ? size - kTailBytes : 0);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  const size_t keep = std::min(lines.size(), static_cast<size_t>(std::max(0, max_lines)));
  return absl::StrJoin(lines.end() - static_cast<std::ptrdiff_t>(keep), lines.end(), "\n");
}

}  // namespace infaas
