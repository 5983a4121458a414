// NetnsHosts (testing/netns_hosts.h): three hosts, each running a real
// redis-server bound to its own address; redis-cli on another host reaches
// it, a cut host and a blocked pair do not (the client hangs, as on a real
// partition), healing and unblocking restore it, the root namespace sees
// and gains nothing, and destruction leaves no process or namespace behind.
//
// Skipped (saying why) where namespaces cannot be made — not root, no `ip`
// — unless INFAAS_REQUIRE_NETNS=1, then failed.

#include "testing/netns_hosts.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "testing/child_process.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPort[] = "6379";  // every host has its own stack: a fixed port is free
// A cut-off client hangs; this long without an answer is taken as "cut".
constexpr absl::Duration kHangProbe = absl::Seconds(1);
constexpr absl::Duration kReachDeadline = absl::Seconds(10);

bool OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    if (::access(absl::StrCat(dir, "/", name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The interface names of the test process's (root) namespace.
std::set<std::string> RootInterfaces() {
  std::set<std::string> names;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (struct if_nameindex* i = list; i->if_index != 0; ++i) names.insert(i->if_name);
    ::if_freenameindex(list);
  }
  return names;
}

// The listening TCP sockets ("10.1.2.3:6379") in a /proc/net/tcp text.
std::set<std::string> Listeners(const std::string& proc_net_tcp) {
  std::set<std::string> out;
  for (absl::string_view line : absl::StrSplit(proc_net_tcp, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 4 || fields[3] != "0A") continue;  // 0A: LISTEN
    std::vector<absl::string_view> local = absl::StrSplit(fields[1], ':');
    uint32_t address = 0, port = 0;
    if (local.size() != 2 || !absl::SimpleHexAtoi(local[0], &address) ||
        !absl::SimpleHexAtoi(local[1], &port)) {
      continue;
    }
    // The address is printed as the in-memory (network order) word.
    in_addr in{};
    in.s_addr = address;
    out.insert(absl::StrCat(::inet_ntoa(in), ":", port));
  }
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a program in the test's own namespace; its stdout lines and exit status.
struct Output {
  std::vector<std::string> lines;
  int status = -1;
};
Output RunHere(const std::vector<std::string>& argv, const fs::path& log) {
  Output out;
  absl::StatusOr<std::unique_ptr<ChildProcess>> p = ChildProcess::Start(argv, log);
  if (!p.ok()) return out;
  for (absl::StatusOr<std::string> line = (*p)->ReadLine(absl::Seconds(10)); line.ok();
       line = (*p)->ReadLine(absl::Seconds(10))) {
    out.lines.push_back(*line);
  }
  out.status = (*p)->Stop(SIGTERM);
  return out;
}

// Whether Create's error means "this machine cannot": skip, unless
// INFAAS_REQUIRE_NETNS=1 says it must.
bool CannotRunHere(const absl::Status& created) {
  return absl::IsUnavailable(created) && !NetnsHosts::Required();
}

class NetnsHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!OnPath("redis-server") || !OnPath("redis-cli")) {
      if (NetnsHosts::Required()) FAIL() << "redis-server and redis-cli are not in PATH";
      GTEST_SKIP() << "needs redis-server and redis-cli (scripts/install-deps.sh)";
    }
    dir_ = fs::temp_directory_path() / absl::StrCat("netns_hosts_test-", ::getpid());
    fs::create_directories(dir_);
    root_interfaces_ = RootInterfaces();
    absl::StatusOr<std::unique_ptr<NetnsHosts>> made = NetnsHosts::Create({"a", "b", "c"});
    if (CannotRunHere(made.status())) GTEST_SKIP() << made.status();
    ASSERT_TRUE(made.ok()) << made.status();
    hosts_ = std::move(made).value();
    for (const std::string& host : hosts_->hosts()) {
      absl::StatusOr<ChildProcess*> redis =
          hosts_->Start(host,
                        {"redis-server", "--bind", hosts_->Address(host), "--port", kPort,
                         "--protected-mode", "no", "--save", "", "--appendonly", "no"},
                        dir_ / absl::StrCat("redis-", host, ".log"));
      ASSERT_TRUE(redis.ok()) << redis.status();
      // Redis logs to stdout; this line comes once it listens.
      while (true) {
        absl::StatusOr<std::string> line = (*redis)->ReadLine(absl::Seconds(10));
        ASSERT_TRUE(line.ok()) << "redis-server on " << host << ": " << line.status();
        if (absl::StrContains(*line, "Ready to accept connections")) break;
      }
    }
  }

  void TearDown() override {
    hosts_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // redis-cli PING from `from` to `to`'s server, given `timeout` to answer.
  absl::StatusOr<std::string> Ping(const std::string& from, const std::string& to,
                                   absl::Duration timeout) {
    return hosts_->Run(from, {"redis-cli", "-h", hosts_->Address(to), "-p", kPort, "ping"},
                       timeout);
  }

  // Whether `from` reaches `to` within kReachDeadline (polled: a link just
  // healed may lose the first SYN).
  bool Reaches(const std::string& from, const std::string& to) {
    const absl::Time deadline = absl::Now() + kReachDeadline;
    while (absl::Now() < deadline) {
      absl::StatusOr<std::string> pong = Ping(from, to, absl::Seconds(2));
      if (pong.ok() && *pong == "PONG\n") return true;
      absl::SleepFor(absl::Milliseconds(50));  // the polling interval
    }
    return false;
  }

  // Whether a client on `from` hangs on `to`, as on a real partition (not
  // refused, not failed).
  bool Hangs(const std::string& from, const std::string& to) {
    absl::StatusOr<std::string> pong = Ping(from, to, kHangProbe);
    EXPECT_TRUE(absl::IsDeadlineExceeded(pong.status()))
        << from << " -> " << to << ": " << pong.status();
    return absl::IsDeadlineExceeded(pong.status());
  }

  fs::path dir_;
  std::set<std::string> root_interfaces_;
  std::unique_ptr<NetnsHosts> hosts_;
};

TEST_F(NetnsHostsTest, EachHostHasItsOwnAddressReachableFromTheOthers) {
  std::set<std::string> addresses;
  for (const std::string& host : hosts_->hosts()) {
    const std::string address = hosts_->Address(host);
    EXPECT_TRUE(absl::StartsWith(address, "10.")) << address;
    addresses.insert(address);
  }
  EXPECT_EQ(addresses.size(), 3u);
  EXPECT_TRUE(Reaches("b", "a"));
  EXPECT_TRUE(Reaches("c", "a"));
  EXPECT_TRUE(Reaches("a", "b"));
}

TEST_F(NetnsHostsTest, ListenerIsInItsHostsNamespaceOnly) {
  const std::string listener = absl::StrCat(hosts_->Address("a"), ":", kPort);
  absl::StatusOr<std::string> on_a = hosts_->Run("a", {"cat", "/proc/net/tcp"}, absl::Seconds(5));
  ASSERT_TRUE(on_a.ok()) << on_a.status();
  EXPECT_TRUE(Listeners(*on_a).contains(listener)) << *on_a;
  EXPECT_FALSE(Listeners(ReadFile("/proc/net/tcp")).contains(listener));

  // The root namespace does not even own the address.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ASSERT_EQ(::inet_pton(AF_INET, hosts_->Address("a").c_str(), &address.sin_addr), 1);
  EXPECT_NE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(errno, EADDRNOTAVAIL);
  ::close(fd);

  // Another host's loopback is up and its own: nothing listens there.
  absl::StatusOr<std::string> loopback =
      hosts_->Run("b", {"redis-cli", "-h", "127.0.0.1", "-p", kPort, "ping"}, absl::Seconds(5));
  EXPECT_TRUE(absl::StrContains(loopback.status().message(), "Connection refused"))
      << loopback.status();
}

TEST_F(NetnsHostsTest, CutHostIsUnreachableUntilHealed) {
  ASSERT_TRUE(Reaches("b", "a"));
  ASSERT_TRUE(hosts_->Cut("a").ok());
  EXPECT_TRUE(Hangs("b", "a"));
  EXPECT_TRUE(Hangs("a", "c"));
  EXPECT_TRUE(Reaches("b", "c")) << "a cut of a must not touch b and c";
  ASSERT_TRUE(hosts_->Cut("a").ok()) << "Cut is idempotent";

  ASSERT_TRUE(hosts_->Heal("a").ok());
  EXPECT_TRUE(Reaches("b", "a"));
  EXPECT_TRUE(Reaches("a", "c"));
  EXPECT_TRUE(hosts_->Heal("a").ok()) << "Heal is idempotent";
}

TEST_F(NetnsHostsTest, BlockStopsOnlyThePathBetweenTwoHosts) {
  ASSERT_TRUE(Reaches("b", "a"));
  ASSERT_TRUE(hosts_->Block("b", "a").ok());
  ASSERT_TRUE(hosts_->Block("a", "b").ok()) << "Block is idempotent, either order";
  EXPECT_TRUE(Hangs("b", "a"));
  EXPECT_TRUE(Hangs("a", "b"));
  EXPECT_TRUE(Reaches("c", "a"));
  EXPECT_TRUE(Reaches("c", "b"));
  EXPECT_TRUE(Reaches("a", "c"));

  ASSERT_TRUE(hosts_->Unblock("a", "b").ok());
  EXPECT_TRUE(Reaches("b", "a"));
  EXPECT_TRUE(Reaches("a", "b"));
}

TEST_F(NetnsHostsTest, RootNamespaceGainsNoInterface) {
  ASSERT_TRUE(hosts_->Cut("b").ok());
  ASSERT_TRUE(hosts_->Heal("b").ok());
  ASSERT_TRUE(hosts_->Block("a", "c").ok());
  EXPECT_EQ(RootInterfaces(), root_interfaces_);
}

TEST_F(NetnsHostsTest, UnknownHostsAndEmptyCommandsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(hosts_->Cut("d")));
  EXPECT_TRUE(absl::IsInvalidArgument(hosts_->Heal("d")));
  EXPECT_TRUE(absl::IsInvalidArgument(hosts_->Block("a", "a")));
  EXPECT_TRUE(absl::IsInvalidArgument(hosts_->Run("a", {}, absl::Seconds(1)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(hosts_->Start("z", {"true"}, dir_ / "z.log").status()));
}

TEST(NetnsHostsNamesTest, BadHostNamesAreRefusedBeforeAnythingIsMade) {
  for (const std::vector<std::string>& names : std::vector<std::vector<std::string>>{
           {}, {"Master"}, {"a b"}, {"-a"}, {"switch"}, {"a", "a"}, {std::string(33, 'a')}}) {
    EXPECT_TRUE(absl::IsInvalidArgument(NetnsHosts::Create(names).status()))
        << (names.empty() ? "(none)" : names[0]);
  }
}

TEST(NetnsHostsLifetimeTest, DestructionKillsEveryProcessAndDeletesTheNamespaces) {
  absl::StatusOr<std::unique_ptr<NetnsHosts>> made = NetnsHosts::Create({"x", "y"});
  if (CannotRunHere(made.status())) GTEST_SKIP() << made.status();
  ASSERT_TRUE(made.ok()) << made.status();
  std::unique_ptr<NetnsHosts> hosts = std::move(made).value();
  const fs::path dir = fs::temp_directory_path() / absl::StrCat("netns_hosts_life-", ::getpid());
  fs::create_directories(dir);
  const std::string ip = hosts->ArgvOn("x", {})[0];
  const std::vector<std::string> namespaces = {hosts->Namespace("x"), hosts->Namespace("y")};

  absl::StatusOr<ChildProcess*> owned = hosts->Start("x", {"sleep", "600"}, dir / "x.log");
  ASSERT_TRUE(owned.ok()) << owned.status();
  const pid_t owned_pid = (*owned)->pid();
  // Started around the harness: still killed, as it runs in a host.
  absl::StatusOr<std::unique_ptr<ChildProcess>> outside =
      ChildProcess::Start(hosts->ArgvOn("y", {"sleep", "600"}), dir / "y.log");
  ASSERT_TRUE(outside.ok()) << outside.status();

  std::set<std::string> listed;
  for (const std::string& line : RunHere({ip, "netns", "list"}, dir / "ip.log").lines) {
    listed.insert(std::vector<std::string>(absl::StrSplit(line, ' '))[0]);
  }
  for (const std::string& ns : namespaces) EXPECT_TRUE(listed.contains(ns)) << ns;

  hosts.reset();
  EXPECT_EQ(::kill(owned_pid, 0), -1) << "the owned process was stopped and reaped";
  const int status = (*outside)->Stop(SIGTERM, absl::Seconds(5));
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  const Output after = RunHere({ip, "netns", "list"}, dir / "ip.log");
  EXPECT_EQ(after.status, 0);
  for (const std::string& line : after.lines) {
    EXPECT_FALSE(absl::StartsWith(line, absl::StrCat("inf", ::getpid(), "-"))) << line;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(NetnsHostsLifetimeTest, CleanupStaleDeletesOnlyNamespacesOfDeadProcesses) {
  absl::StatusOr<std::unique_ptr<NetnsHosts>> made = NetnsHosts::Create({"x"});
  if (CannotRunHere(made.status())) GTEST_SKIP() << made.status();
  ASSERT_TRUE(made.ok()) << made.status();
  std::unique_ptr<NetnsHosts> hosts = std::move(made).value();
  const fs::path dir = fs::temp_directory_path() / absl::StrCat("netns_hosts_stale-", ::getpid());
  fs::create_directories(dir);
  const std::string ip = hosts->ArgvOn("x", {})[0];

  // A pid that is certainly dead: a child that exited and was reaped.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = absl::StrCat("inf", dead, "-0-crashed");
  ASSERT_EQ(RunHere({ip, "netns", "add", stale}, dir / "ip.log").status, 0);

  ASSERT_TRUE(NetnsHosts::CleanupStale().ok());
  const std::set<std::string> left = [&] {
    std::set<std::string> names;
    for (const std::string& line : RunHere({ip, "netns", "list"}, dir / "ip.log").lines) {
      names.insert(std::vector<std::string>(absl::StrSplit(line, ' '))[0]);
    }
    return names;
  }();
  EXPECT_FALSE(left.contains(stale)) << "a dead process's namespace is deleted";
  EXPECT_TRUE(left.contains(hosts->Namespace("x"))) << "a live process's namespace is kept";
  if (left.contains(stale)) RunHere({ip, "netns", "del", stale}, dir / "ip.log");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace infaas::testing
