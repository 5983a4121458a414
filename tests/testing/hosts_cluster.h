#pragma once

// INFaaS beyond one machine, on one machine: Redis, several masters,
// workers and a client each on a host of its own (network namespaces,
// testing/netns_hosts.h), talking over real addresses that the test can
// partition. Used by tests/cluster_test.cc and bench/cluster.
//
//   ASSIGN_OR_RETURN(auto cluster, HostsCluster::Start({.masters = 2, .workers = 3}));
//   cluster->Client({"status", "--json"});           // `infaas status` on the client host
//   ASSIGN_OR_RETURN(int leader, cluster->Leader());  // which master leads
//   cluster->KillMaster(leader);
//
// Hosts: "redis", "master-a", "master-b", ..., "worker-1", ..., "client".
// Redis runs with AOF (appendfsync always); the zoo models are registered
// into it with `infaas profile` from the client host; every master gets
// --masters (all of them) and every worker --master (all of them). The
// masters' and workers' logs are under dir()/logs. Processes are stopped
// and the hosts removed on destruction; the folder too unless
// INFAAS_KEEP_TEST_DIRS is set.
//
// Not thread-safe.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "testing/child_process.h"
#include "testing/netns_hosts.h"

namespace infaas::testing {

struct HostsClusterOptions {
  int masters = 2;
  int workers = 3;
  std::vector<std::string> zoo_models = {"lenet5"};
  absl::Duration leader_lease = absl::Seconds(2);
  absl::Duration dead_after = absl::Seconds(2);
  absl::Duration heartbeat = absl::Milliseconds(250);
  std::string autoscaler = "infaas";
};

class HostsCluster {
 public:
  // UNAVAILABLE when namespaces cannot be made here (NetnsHosts::Create's
  // reason); anything a process failing to start says.
  static absl::StatusOr<std::unique_ptr<HostsCluster>> Start(const HostsClusterOptions& options);
  ~HostsCluster();

  NetnsHosts& hosts() { return *hosts_; }
  const std::filesystem::path& dir() const { return dir_; }
  int masters() const { return static_cast<int>(masters_.size()); }
  int workers() const { return static_cast<int>(workers_.size()); }

  // "master-a", "worker-1" (1-based, as the ids the workers heartbeat with).
  static std::string MasterHost(int index);
  static std::string WorkerHost(int index);
  // HOST:PORT of master `index`, and all of them comma-separated.
  std::string MasterAddress(int index) const;
  std::string MasterAddresses() const;
  std::string RedisUrl() const;

  // `infaas ARGS... --master <all masters>` on the client host; its stdout.
  absl::StatusOr<std::string> Client(const std::vector<std::string>& args,
                                     absl::Duration timeout = absl::Seconds(30));
  // The same, asking one master only.
  absl::StatusOr<std::string> ClientOf(int master, const std::vector<std::string>& args,
                                       absl::Duration timeout = absl::Seconds(30));

  // The index of the master that leads, as master `asked` sees it;
  // NOT_FOUND while none leads.
  absl::StatusOr<int> Leader(int asked);
  // Waits until some master leads and every master agrees; its index.
  absl::StatusOr<int> AwaitLeader(absl::Duration timeout);
  // The host of a worker that has a variant loaded (the first, by id), as
  // the leader sees it; NOT_FOUND when none has.
  absl::StatusOr<std::string> ServingWorker();
  // Waits until master `index` lists `n` live workers.
  absl::Status AwaitLiveWorkers(int index, int n, absl::Duration timeout);

  // SIGKILL (no goodbye); StartMaster brings it back on the same address.
  void KillMaster(int index);
  absl::Status StartMaster(int index);
  pid_t MasterPid(int index) const;
  // SIGTERM, then the same server again on its AOF.
  absl::Status RestartRedis();

  // `infaas-bench ARGS...` on the client host against every master, in the
  // background; ReadLine on it until UNAVAILABLE waits for its end.
  absl::StatusOr<ChildProcess*> StartLoad(const std::vector<std::string>& args);

  // The log file of a master or worker host.
  std::filesystem::path LogOf(const std::string& host) const;

 private:
  explicit HostsCluster(HostsClusterOptions options) : options_(std::move(options)) {}
  absl::Status StartRedis();
  absl::Status RegisterZoo();
  absl::Status StartWorker(int index);

  const HostsClusterOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<NetnsHosts> hosts_;
  ChildProcess* redis_ = nullptr;
  std::vector<ChildProcess*> masters_;  // owned by hosts_; null while killed
  std::vector<ChildProcess*> workers_;
};

}  // namespace infaas::testing
