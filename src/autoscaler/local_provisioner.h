#pragma once

// LocalProvisioner: starts and stops infaas-worker processes on this machine
// for the worker-level autoscaler.
//
//   LocalProvisioner provisioner({.worker_binary = dir / "infaas-worker",
//                                 .master_address = "127.0.0.1:50052",
//                                 .repository = "/home/me/.infaas/models",
//                                 .log_dir = "/home/me/.infaas/logs"});
//   ASSIGN_OR_RETURN(std::string id, provisioner.AddWorker());   // "auto-4242-1"
//
// Each worker gets --cores `cores_per_worker`, a free loopback port, and a log
// file <log_dir>/<id>.log. Ids carry the master's pid, so workers of an
// earlier master never share an id with new ones. The destructor stops every
// worker still running (SIGTERM: they finish queries in flight). Thread-safe.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "autoscaler/provisioner.h"
#include "common/tls.h"

namespace infaas::autoscaler {

struct LocalProvisionerOptions {
  std::filesystem::path worker_binary{};
  std::string master_address{};
  std::string repository{};
  std::filesystem::path log_dir{};
  int cores_per_worker = 1;
  // Pin each worker to its own `cores_per_worker` CPUs: the n-th worker
  // started gets CPUs n * cores_per_worker onwards, modulo this machine's
  // (CPUs below are left to the workers started by hand).
  bool pin_cpus = false;
  int heartbeat_ms = 500;
  // Passed on as --cluster-secret-file; empty: none.
  std::filesystem::path cluster_secret_file{};
  // Passed on as --tls-cert/--tls-key/--tls-ca when set.
  TlsFiles tls{};
  std::filesystem::path tls_ca{};
  // Workers alive at once, at most.
  int max_workers = 8;
  // How long a worker may take to finish what it holds after SIGTERM.
  absl::Duration stop_grace = absl::Seconds(15);
};

class LocalProvisioner final : public Provisioner {
 public:
  explicit LocalProvisioner(LocalProvisionerOptions options);
  ~LocalProvisioner() override;

  absl::StatusOr<std::string> AddWorker() override;
  absl::Status RemoveWorker(const std::string& worker_id) override;
  std::vector<std::string> Workers() override;
  std::string Describe() const override;

 private:
  // Forgets workers whose process has exited (and reaps them).
  void ReapExitedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LocalProvisionerOptions options_;
  absl::Mutex mu_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, pid_t> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::autoscaler
