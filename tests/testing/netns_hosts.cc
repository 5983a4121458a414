#include "testing/netns_hosts.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;

// Where `ip netns add` names namespaces (iproute2's NETNS_RUN_DIR).
constexpr char kNetnsDir[] = "/var/run/netns";
constexpr char kPrefix[] = "inf";  // + <pid>-<n>-<host>
constexpr char kSwitchName[] = "switch";
constexpr int kMaxHosts = 200;
constexpr size_t kMaxHostName = 32;
// `ip rule` preferences: the blocks first, then the local table (moved from
// its usual 0, which nothing can precede, to here), then main and default.
constexpr int kBlockPref = 10;
constexpr int kLocalPref = 1000;
constexpr absl::Duration kIpTimeout = absl::Seconds(30);
constexpr absl::Duration kLinkUpTimeout = absl::Seconds(10);
constexpr absl::Duration kStopGrace = absl::Seconds(5);

// CapEff bits (linux/capability.h).
constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;

std::atomic<int> harnesses_made{0};

// How a program ended and what it wrote.
struct Finished {
  bool timed_out = false;
  int wait_status = 0;
  std::string out;
  std::string err;
};

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

// A close-on-exec memory file holding `content`, read from the start.
absl::StatusOr<int> MemoryFile(const char* name, absl::string_view content) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("memfd_create: ", std::strerror(errno)));
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError(absl::StrCat("write to memfd: ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

std::string ReadWhole(int fd) {
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(fd, chunk, sizeof(chunk))) > 0) text.append(chunk, static_cast<size_t>(n));
  return text;
}

// Waits for `pid` up to `timeout`, then kills it; returns the wait status.
// Waits on a pidfd (no polling); without one (kernel < 5.3), polls waitpid.
int WaitOrKill(pid_t pid, absl::Duration timeout, bool* timed_out) {
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      *timed_out = true;
      break;
    }
    if (pidfd >= 0) {
      pollfd pfd{pidfd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
      if (ready > 0) break;  // exited
    } else {
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (*timed_out) ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Runs argv[0] (an absolute path; no shell) with `input` on its stdin and
// its stdout and stderr captured; killed after `timeout`.
absl::StatusOr<Finished> RunProgram(const std::vector<std::string>& argv, absl::string_view input,
                                    absl::Duration timeout) {
  ASSIGN_OR_RETURN(const int in_fd, MemoryFile("stdin", input));
  ASSIGN_OR_RETURN(const int out_fd, MemoryFile("stdout", ""));
  ASSIGN_OR_RETURN(const int err_fd, MemoryFile("stderr", ""));
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (std::string& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  Finished finished;
  if (pid > 0) {
    finished.wait_status = WaitOrKill(pid, timeout, &finished.timed_out);
    finished.out = ReadWhole(out_fd);
    finished.err = ReadWhole(err_fd);
  }
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  return finished;
}

// Runs `ip args...` (with `batch` on stdin when given); its stdout, or an
// error of `code` naming the command and quoting ip's stderr.
absl::StatusOr<std::string> RunIp(const std::string& ip, const std::vector<std::string>& args,
                                  absl::string_view batch = "",
                                  absl::StatusCode code = absl::StatusCode::kInternal) {
  std::vector<std::string> argv = {ip};
  argv.insert(argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(Finished f, RunProgram(argv, batch, kIpTimeout));
  if (!f.timed_out && f.wait_status == 0) return f.out;
  std::string what = absl::StrCat("`ip ", absl::StrJoin(args, " "), "` failed (",
                                  f.timed_out ? "timed out" : DescribeWaitStatus(f.wait_status),
                                  "): ", absl::StripAsciiWhitespace(f.err));
  if (!batch.empty()) absl::StrAppend(&what, "; its commands:\n", batch);
  return absl::Status(code, what);
}

// The absolute path of `name` in PATH or the sbin folders a user's PATH
// often lacks; empty if none is executable.
std::string FindProgram(absl::string_view name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) dirs = absl::StrSplit(path, ':', absl::SkipEmpty());
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(d);
  for (const std::string& dir : dirs) {
    const std::string candidate = absl::StrCat(dir, "/", name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Whether this process holds the capability in its effective set.
bool HasCapability(int bit) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "CapEff:")) continue;
    uint64_t caps = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(rest), &caps)) return false;
    return (caps >> bit) & 1;
  }
  return false;
}

// UNAVAILABLE naming what this machine or user lacks; OK otherwise.
absl::Status CheckEnvironment(const std::string& ip) {
  if (ip.empty()) {
    return absl::UnavailableError(
        "network-namespace hosts need iproute2's `ip` (not found in PATH, /usr/sbin, /sbin): "
        "apt-get install iproute2");
  }
  if (::access("/proc/self/ns/net", F_OK) != 0) {
    return absl::UnavailableError(
        "network-namespace hosts need a kernel with network namespaces (no /proc/self/ns/net)");
  }
  std::vector<std::string> missing;
  if (!HasCapability(kCapSysAdmin)) missing.push_back("CAP_SYS_ADMIN");
  if (!HasCapability(kCapNetAdmin)) missing.push_back("CAP_NET_ADMIN");
  if (!missing.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "network-namespace hosts need CAP_SYS_ADMIN and CAP_NET_ADMIN (uid ", ::getuid(), " lacks ",
        absl::StrJoin(missing, " and "),
        "): run the test as root, or in a container with --cap-add SYS_ADMIN --cap-add "
        "NET_ADMIN"));
  }
  return absl::OkStatus();
}

absl::Status CheckHostNames(const std::vector<std::string>& hosts) {
  if (hosts.empty() || hosts.size() > kMaxHosts) {
    return absl::InvalidArgumentError(
        absl::StrCat("NetnsHosts: ", hosts.size(), " hosts asked for; 1 to ", kMaxHosts));
  }
  std::set<std::string> seen;
  for (const std::string& h : hosts) {
    const bool valid_chars = std::all_of(h.begin(), h.end(), [](char c) {
      return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
    });
    if (h.empty() || h.size() > kMaxHostName || !valid_chars || h[0] == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("NetnsHosts: host name \"", h, "\" must be 1 to ", kMaxHostName,
                       " characters of [a-z0-9-], not starting with '-'"));
    }
    if (h == kSwitchName) {
      return absl::InvalidArgumentError(
          "NetnsHosts: the host name \"switch\" is the bridge's namespace; pick another");
    }
    if (!seen.insert(h).second) {
      return absl::InvalidArgumentError(absl::StrCat("NetnsHosts: host \"", h, "\" named twice"));
    }
  }
  return absl::OkStatus();
}

// The locally administered MAC of the host with this IPv4 address.
std::string MacOf(absl::string_view address) {
  std::vector<std::string> octets = absl::StrSplit(address, '.');
  std::string mac = "02:00";
  for (const std::string& o : octets) {
    int value = 0;
    (void)absl::SimpleAtoi(o, &value);
    absl::StrAppend(&mac, absl::StrFormat(":%02x", value));
  }
  return mac;
}

// SIGKILLs every process in namespace `ns`. Best effort: `ns` may be gone.
void KillEverythingIn(const std::string& ip, const std::string& ns) {
  absl::StatusOr<std::string> pids = RunIp(ip, {"netns", "pids", ns});
  if (!pids.ok()) return;
  for (absl::string_view line : absl::StrSplit(*pids, '\n', absl::SkipWhitespace())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 1 && pid != ::getpid()) ::kill(pid, SIGKILL);
  }
}

}  // namespace

bool NetnsHosts::Required() {
  const char* value = std::getenv("INFAAS_REQUIRE_NETNS");
  return value != nullptr && std::string(value) == "1";
}

absl::Status NetnsHosts::CleanupStale() {
  const std::string ip = FindProgram("ip");
  std::error_code ec;
  if (ip.empty() || !fs::is_directory(kNetnsDir, ec)) return absl::OkStatus();
  absl::Status first_error;
  for (const fs::directory_entry& entry : fs::directory_iterator(kNetnsDir, ec)) {
    const std::string ns = entry.path().filename().string();
    absl::string_view rest = ns;
    if (!absl::ConsumePrefix(&rest, kPrefix)) continue;
    const size_t dash = rest.find('-');
    pid_t pid = 0;
    if (dash == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, dash), &pid) ||
        pid <= 0) {
      continue;
    }
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its process lives
    KillEverythingIn(ip, ns);
    absl::Status deleted = RunIp(ip, {"netns", "del", ns}).status();
    if (!deleted.ok() && first_error.ok()) first_error = deleted;
  }
  return first_error;
}

absl::StatusOr<std::unique_ptr<NetnsHosts>> NetnsHosts::Create(
    const std::vector<std::string>& hosts) {
  RETURN_IF_ERROR(CheckHostNames(hosts));
  const std::string ip = FindProgram("ip");
  RETURN_IF_ERROR(CheckEnvironment(ip));
  if (absl::Status stale = CleanupStale(); !stale.ok()) {
    std::cerr << "NetnsHosts: leftovers of a dead run remain: " << stale << "\n";
  }
  const int pid = static_cast<int>(::getpid());
  std::unique_ptr<NetnsHosts> made(
      new NetnsHosts(ip, absl::StrCat(kPrefix, pid, "-", harnesses_made.fetch_add(1), "-"),
                     absl::StrCat("10.", 200 + pid % 50, ".", (pid / 50) % 250, ".")));
  RETURN_IF_ERROR(made->Build(hosts));  // on error ~NetnsHosts deletes what was made
  return made;
}

absl::Status NetnsHosts::Build(const std::vector<std::string>& hosts) {
  // The first namespace tells whether this machine can make them at all.
  const std::string sw = SwitchNamespace();
  RETURN_IF_ERROR(RunIp(ip_, {"netns", "add", sw}, "", absl::StatusCode::kUnavailable).status());
  namespaces_.push_back(sw);
  // `ip netns exec` also needs to remount /sys, which some containers refuse.
  RETURN_IF_ERROR(
      RunIp(ip_, {"netns", "exec", sw, "true"}, "", absl::StatusCode::kUnavailable).status());
  RETURN_IF_ERROR(RunIp(ip_, {"-n", sw, "-batch", "-"},
                        "link set lo up\nlink add br0 type bridge\nlink set br0 up\n",
                        absl::StatusCode::kUnavailable)
                      .status());
  hosts_ = hosts;
  std::string ports;
  for (int i = 0; i < static_cast<int>(hosts_.size()); ++i) {
    RETURN_IF_ERROR(AddHost(i));
    absl::StrAppend(&ports, "link set p", i, " master br0\nlink set p", i, " up\n");
  }
  RETURN_IF_ERROR(RunIp(ip_, {"-n", sw, "-batch", "-"}, ports).status());
  for (int i = 0; i < static_cast<int>(hosts_.size()); ++i) {
    RETURN_IF_ERROR(WaitUntilUp(sw, absl::StrCat("p", i)));
    RETURN_IF_ERROR(WaitUntilUp(NamespaceOf(i), "eth0"));
  }
  return absl::OkStatus();
}

absl::Status NetnsHosts::AddHost(int index) {
  const std::string ns = NamespaceOf(index);
  RETURN_IF_ERROR(RunIp(ip_, {"netns", "add", ns}).status());
  namespaces_.push_back(ns);
  const std::string address = AddressOf(index);
  // eth0 is made inside the host's namespace, its peer p<index> straight in
  // the switch's: neither end ever exists in the root namespace.
  std::string batch =
      absl::StrCat("link set lo up\n", "link add eth0 address ", MacOf(address),
                   " type veth peer name p", index, " netns ", SwitchNamespace(), "\n",
                   // No IPv6 link-local address: no router solicitations or DAD noise.
                   "link set eth0 addrgenmode none\n", "addr add ", address, "/24 dev eth0\n",
                   "link set eth0 up\n", "rule add pref ", kLocalPref, " lookup local\n",
                   "rule del pref 0 lookup local\n");
  for (int other = 0; other < static_cast<int>(hosts_.size()); ++other) {
    if (other == index) continue;
    const std::string peer = AddressOf(other);
    absl::StrAppend(&batch, "neigh replace ", peer, " lladdr ", MacOf(peer),
                    " dev eth0 nud permanent\n");
  }
  return RunIp(ip_, {"-n", ns, "-batch", "-"}, batch).status();
}

// Link changes reach the qdisc asynchronously (the kernel's linkwatch):
// until the operational state says UP, packets may still be dropped.
absl::Status NetnsHosts::WaitUntilUp(const std::string& ns, const std::string& device) {
  const absl::Time deadline = absl::Now() + kLinkUpTimeout;
  std::string last;
  while (true) {
    ASSIGN_OR_RETURN(last, RunIp(ip_, {"-n", ns, "-o", "link", "show", "dev", device}));
    if (absl::StrContains(last, " state UP ")) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::InternalError(absl::StrCat(device, " in namespace ", ns, " not up after ",
                                              absl::FormatDuration(kLinkUpTimeout), ": ", last));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

NetnsHosts::~NetnsHosts() {
  for (const std::unique_ptr<ChildProcess>& p : processes_) {
    if (p->running()) ::kill(p->pid(), SIGTERM);  // all at once, then wait for each
  }
  for (const std::unique_ptr<ChildProcess>& p : processes_) p->Stop(SIGTERM, kStopGrace);
  // Processes started elsewhere with ArgvOn, or by the processes themselves.
  for (size_t i = 1; i < namespaces_.size(); ++i) KillEverythingIn(ip_, namespaces_[i]);
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    absl::Status deleted = RunIp(ip_, {"netns", "del", *it}).status();
    if (!deleted.ok()) std::cerr << "NetnsHosts: " << deleted << "\n";
  }
}

int NetnsHosts::Find(absl::string_view host) const {
  for (int i = 0; i < static_cast<int>(hosts_.size()); ++i) {
    if (hosts_[i] == host) return i;
  }
  return -1;
}

int NetnsHosts::FindOrDie(absl::string_view host) const {
  const int index = Find(host);
  if (index < 0) {
    std::cerr << "NetnsHosts: no host \"" << host << "\"; hosts: " << absl::StrJoin(hosts_, ", ")
              << "\n";
    std::abort();
  }
  return index;
}

std::string NetnsHosts::AddressOf(int index) const { return absl::StrCat(subnet_, index + 1); }
std::string NetnsHosts::NamespaceOf(int index) const { return prefix_ + hosts_[index]; }
std::string NetnsHosts::SwitchNamespace() const { return prefix_ + kSwitchName; }

std::string NetnsHosts::Address(absl::string_view host) const { return AddressOf(FindOrDie(host)); }

std::string NetnsHosts::Namespace(absl::string_view host) const {
  return NamespaceOf(FindOrDie(host));
}

std::vector<std::string> NetnsHosts::ArgvOn(absl::string_view host,
                                            const std::vector<std::string>& argv) const {
  std::vector<std::string> on = {ip_, "netns", "exec", Namespace(host)};
  on.insert(on.end(), argv.begin(), argv.end());
  return on;
}

absl::StatusOr<ChildProcess*> NetnsHosts::Start(absl::string_view host,
                                                const std::vector<std::string>& argv,
                                                const std::filesystem::path& stderr_log) {
  if (argv.empty()) return absl::InvalidArgumentError("NetnsHosts::Start: empty argv");
  if (Find(host) < 0) return absl::InvalidArgumentError(absl::StrCat("no host \"", host, "\""));
  ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> process,
                   ChildProcess::Start(ArgvOn(host, argv), stderr_log));
  processes_.push_back(std::move(process));
  return processes_.back().get();
}

absl::StatusOr<std::string> NetnsHosts::Run(absl::string_view host,
                                            const std::vector<std::string>& argv,
                                            absl::Duration timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("NetnsHosts::Run: empty argv");
  if (Find(host) < 0) return absl::InvalidArgumentError(absl::StrCat("no host \"", host, "\""));
  ASSIGN_OR_RETURN(Finished f, RunProgram(ArgvOn(host, argv), "", timeout));
  const std::string command = absl::StrCat("`", absl::StrJoin(argv, " "), "` on ", host);
  if (f.timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(command, " did not finish in ", absl::FormatDuration(timeout), " (killed)"));
  }
  if (f.wait_status != 0) {
    return absl::UnknownError(absl::StrCat(command, " failed (", DescribeWaitStatus(f.wait_status),
                                           "): ", absl::StripAsciiWhitespace(f.err)));
  }
  return f.out;
}

absl::Status NetnsHosts::Cut(absl::string_view host) {
  const int index = Find(host);
  if (index < 0) return absl::InvalidArgumentError(absl::StrCat("no host \"", host, "\""));
  return RunIp(ip_, {"-n", SwitchNamespace(), "link", "set", absl::StrCat("p", index), "down"})
      .status();
}

absl::Status NetnsHosts::Heal(absl::string_view host) {
  const int index = Find(host);
  if (index < 0) return absl::InvalidArgumentError(absl::StrCat("no host \"", host, "\""));
  const std::string port = absl::StrCat("p", index);
  RETURN_IF_ERROR(RunIp(ip_, {"-n", SwitchNamespace(), "link", "set", port, "up"}).status());
  RETURN_IF_ERROR(WaitUntilUp(SwitchNamespace(), port));
  return WaitUntilUp(NamespaceOf(index), "eth0");
}

absl::Status NetnsHosts::Block(absl::string_view a, absl::string_view b) {
  const int i = Find(a), j = Find(b);
  if (i < 0 || j < 0 || i == j) {
    return absl::InvalidArgumentError(
        absl::StrCat("NetnsHosts::Block needs two different hosts; got \"", a, "\", \"", b, "\""));
  }
  return SetBlocked(i, j, true);
}

absl::Status NetnsHosts::Unblock(absl::string_view a, absl::string_view b) {
  const int i = Find(a), j = Find(b);
  if (i < 0 || j < 0 || i == j) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NetnsHosts::Unblock needs two different hosts; got \"", a, "\", \"", b, "\""));
  }
  return SetBlocked(i, j, false);
}

absl::Status NetnsHosts::SetBlocked(int a, int b, bool blocked) {
  const std::pair<int, int> pair = std::minmax(a, b);
  if (blocked_.contains(pair) == blocked) return absl::OkStatus();
  // Each side drops on input what comes from the other; the sender's own
  // routing is untouched, so its packets leave and vanish.
  const char* verb = blocked ? "add" : "del";
  for (const auto& [self, other] : {std::pair(a, b), std::pair(b, a)}) {
    RETURN_IF_ERROR(
        RunIp(ip_, {"-n", NamespaceOf(self), "rule", verb, "pref", absl::StrCat(kBlockPref), "from",
                    AddressOf(other), "iif", "eth0", "blackhole"})
            .status());
  }
  if (blocked) {
    blocked_.insert(pair);
  } else {
    blocked_.erase(pair);
  }
  return absl::OkStatus();
}

}  // namespace infaas::testing
