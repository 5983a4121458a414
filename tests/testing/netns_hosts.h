#pragma once

// Several hosts on one machine for integration tests: each host is a Linux
// network namespace with its own address on a private /24, all of them
// plugged into one bridge, so that real processes (redis-server,
// infaas-master, infaas-worker, clients) talk over a real network — not
// loopback — that the test can partition and heal.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<NetnsHosts> hosts,
//                    NetnsHosts::Create({"redis", "master", "worker-1", "client"}));
//   ASSIGN_OR_RETURN(ChildProcess * redis,
//                    hosts->Start("redis", {"redis-server", "--bind", hosts->Address("redis"),
//                                           "--port", "6379", "--protected-mode", "no",
//                                           "--save", ""}, dir / "redis.log"));
//   RETURN_IF_ERROR(hosts->Cut("worker-1"));    // the worker's cable is pulled
//   RETURN_IF_ERROR(hosts->Heal("worker-1"));   // and plugged back in
//   // ~NetnsHosts: processes killed, namespaces deleted
//
// Topology. A "switch" namespace holds the bridge `br0`; each host's
// namespace holds `lo` (up) and `eth0`, one end of a veth pair whose other
// end is a port of the bridge. Host i (in Create's order) has the address
// 10.<200 + pid % 50>.<(pid / 50) % 250>.<i + 1>; every host knows every
// other host's MAC address (permanent neighbour entries), so no ARP is ever
// sent and a cut is silent. The root namespace is not touched: the test
// process itself cannot reach the hosts — run clients on a host (Start,
// Run). Each host has a whole network stack of its own, so fixed ports
// (6379, 50051) are free on every host. Only the network is separate: every
// host sees the same files, users and pids (a SQLite store is shared behind
// any cut: partition tests want Redis on a host). The subnets of two
// harnesses never meet (each has its own bridge); they differ per process
// only to make logs from parallel runs easy to tell apart.
//
// Faults. Cut(host) sets the switch-side end of the host's veth down: every
// packet to and from the host vanishes; open TCP connections hang and new
// connects time out, as when a cable or a rack's switch fails (the host's
// eth0 shows NO-CARRIER; its address and routes stay). Block(a, b) cuts only
// the path between two hosts, in both directions: each of them drops, on
// input, what comes from the other (`ip rule ... blackhole`, ahead of the
// local table), so the packets leave the sender and vanish. Routes on the
// sender would not do: a `blackhole`, `prohibit` or `unreachable` route
// fails connect() at once (EINVAL, EACCES, EHOSTUNREACH), nothing like a
// partition. Traffic with third hosts is untouched.
//
// Names. Namespaces are called inf<pid>-<n>-<host> (and inf<pid>-<n>-switch):
// unique per test process and per harness in it, so parallel ctest runs
// never collide. Create first deletes leftovers of dead processes
// (CleanupStale).
//
// Needs: root (CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2's `ip`, a kernel
// with network namespaces, veth and bridge. Without them Create returns
// UNAVAILABLE saying which is missing: tests skip with that message unless
// Required() (INFAAS_REQUIRE_NETNS=1), then they fail.
//
// Thread-compatible: the const methods may be called from any thread; the
// others from one thread at a time.

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "testing/child_process.h"

namespace infaas::testing {

class NetnsHosts {
 public:
  // Makes one namespace per name (1 to 200 names of [a-z0-9-], at most 32
  // characters, not starting with '-', "switch" reserved), wired as above,
  // links up. INVALID_ARGUMENT for a bad name or a repeated one;
  // UNAVAILABLE when this machine or user cannot make namespaces (the
  // message says why); INTERNAL for anything else `ip` refuses (its stderr
  // in the message). What was made is deleted on failure.
  static absl::StatusOr<std::unique_ptr<NetnsHosts>> Create(const std::vector<std::string>& hosts);

  // True when INFAAS_REQUIRE_NETNS=1: Create's UNAVAILABLE must fail a test,
  // not skip it (scripts/test.sh sets it where it runs as root).
  static bool Required();

  // Deletes the namespaces of this harness prefix (inf<pid>-) whose process
  // no longer exists, killing anything still running in them: what a
  // crashed or killed test left behind. OK when there is nothing to delete
  // (or no `ip`); otherwise the first error, after trying every leftover.
  static absl::Status CleanupStale();

  // Stops the processes started through Start (SIGTERM, then SIGKILL after
  // 5 s), kills anything else still running in the host namespaces
  // (SIGKILL), and deletes every namespace this harness made.
  ~NetnsHosts();
  NetnsHosts(const NetnsHosts&) = delete;
  NetnsHosts& operator=(const NetnsHosts&) = delete;

  // The host names, in Create's order.
  const std::vector<std::string>& hosts() const { return hosts_; }

  // The host's IPv4 address, e.g. "10.217.31.2". The lookups below abort on
  // a name Create was not given (a typo in the test, not a runtime error).
  std::string Address(absl::string_view host) const;

  // The host's namespace name, for logs and `ip netns exec` by hand.
  std::string Namespace(absl::string_view host) const;

  // `argv` run on `host`: {<path of ip>, "netns", "exec", <namespace>,
  // argv...}, for ChildProcess::Start. `ip netns exec` execs argv[0]
  // (looked up in PATH) in place, so the child's pid is the program's own
  // and signals reach it.
  std::vector<std::string> ArgvOn(absl::string_view host,
                                  const std::vector<std::string>& argv) const;

  // Starts `argv` on `host` (stdout readable line by line, stderr appended
  // to `stderr_log`). The process belongs to this harness: the pointer is
  // valid until the harness is destroyed, and the process is stopped then
  // unless the caller stopped it before (ChildProcess::Stop).
  // INVALID_ARGUMENT for an empty argv or an unknown host.
  absl::StatusOr<ChildProcess*> Start(absl::string_view host, const std::vector<std::string>& argv,
                                      const std::filesystem::path& stderr_log);

  // Runs `argv` on `host` to completion and returns its stdout.
  // DEADLINE_EXCEEDED when it has not finished after `timeout` (it is then
  // killed: a client whose server is cut off hangs rather than fails);
  // UNKNOWN when it exits non-zero or on a signal (status and stderr in the
  // message); INVALID_ARGUMENT for an empty argv or an unknown host.
  absl::StatusOr<std::string> Run(absl::string_view host, const std::vector<std::string>& argv,
                                  absl::Duration timeout);

  // Cut: the host's traffic vanishes (see the banner); takes effect at once.
  // Heal: plugs it back and returns once both ends of the link are up again.
  // Both are idempotent. INVALID_ARGUMENT for an unknown host.
  absl::Status Cut(absl::string_view host);
  absl::Status Heal(absl::string_view host);

  // Block: packets between `a` and `b` vanish, both ways; their traffic with
  // other hosts is untouched. Unblock undoes it. Idempotent; the order of
  // the two hosts does not matter. INVALID_ARGUMENT for an unknown host or
  // a == b.
  absl::Status Block(absl::string_view a, absl::string_view b);
  absl::Status Unblock(absl::string_view a, absl::string_view b);

 private:
  NetnsHosts(std::string ip, std::string prefix, std::string subnet)
      : ip_(std::move(ip)), prefix_(std::move(prefix)), subnet_(std::move(subnet)) {}

  // Builds the switch, then each host; records every namespace it makes.
  absl::Status Build(const std::vector<std::string>& hosts);
  absl::Status AddHost(int index);
  absl::Status WaitUntilUp(const std::string& ns, const std::string& device);
  // Index of `host` in hosts_, or -1.
  int Find(absl::string_view host) const;
  int FindOrDie(absl::string_view host) const;
  std::string AddressOf(int index) const;
  std::string NamespaceOf(int index) const;
  std::string SwitchNamespace() const;
  absl::Status SetBlocked(int a, int b, bool blocked);

  const std::string ip_;      // absolute path of iproute2's `ip`
  const std::string prefix_;  // "inf<pid>-<n>-"
  const std::string subnet_;  // "10.x.y." : host i is subnet_ + (i + 1)
  std::vector<std::string> hosts_;
  std::vector<std::string> namespaces_;  // made so far, switch first
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  std::set<std::pair<int, int>> blocked_;  // (lower index, higher index)
};

}  // namespace infaas::testing
