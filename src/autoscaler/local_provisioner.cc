#include "autoscaler/local_provisioner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include "absl/strings/str_cat.h"

#include "common/cpu_affinity.h"
#include "common/logging.h"
#include "common/process_control.h"

namespace infaas::autoscaler {

LocalProvisioner::LocalProvisioner(LocalProvisionerOptions options)
    : options_(std::move(options)) {}

LocalProvisioner::~LocalProvisioner() {
  for (const std::string& id : Workers()) RemoveWorker(id).IgnoreError();
}

std::string LocalProvisioner::Describe() const {
  return absl::StrCat("local (", options_.worker_binary.filename().string(), " processes, ",
                      options_.cores_per_worker, " core(s) each, at most ", options_.max_workers,
                      ")");
}

void LocalProvisioner::ReapExitedLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    int status = 0;
    if (waitpid(it->second, &status, WNOHANG) == it->second) {
      LogWarning(
          "provisioned worker exited",
          {{"worker", it->first}, {"log", (options_.log_dir / (it->first + ".log")).string()}});
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::StatusOr<std::string> LocalProvisioner::AddWorker() {
  absl::MutexLock lock(&mu_);
  ReapExitedLocked();
  if (static_cast<int>(workers_.size()) >= options_.max_workers) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the local provisioner already runs ", workers_.size(),
                     " workers, its limit; raise --max-workers to allow more"));
  }
  const int n = ++started_;
  const std::string id = absl::StrCat("auto-", getpid(), "-", n);
  std::vector<std::string> args = {"--master",       options_.master_address,
                                   "--listen",       "127.0.0.1:0",
                                   "--id",           id,
                                   "--repo",         options_.repository,
                                   "--cores",        absl::StrCat(options_.cores_per_worker),
                                   "--heartbeat-ms", absl::StrCat(options_.heartbeat_ms)};
  if (!options_.cluster_secret_file.empty()) {
    args.insert(args.end(), {"--cluster-secret-file", options_.cluster_secret_file.string()});
  }
  if (!options_.tls.cert.empty()) {
    args.insert(args.end(),
                {"--tls-cert", options_.tls.cert.string(), "--tls-key", options_.tls.key.string()});
  }
  if (!options_.tls_ca.empty()) args.insert(args.end(), {"--tls-ca", options_.tls_ca.string()});
  if (options_.pin_cpus) {
    const int machine = std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
    std::vector<int> cpus;
    for (int i = 0; i < options_.cores_per_worker; ++i) {
      cpus.push_back((n * options_.cores_per_worker + i) % machine);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    args.insert(args.end(), {"--cpus", FormatCpuList(cpus)});
  }
  const std::filesystem::path log = options_.log_dir / (id + ".log");
  absl::StatusOr<pid_t> pid = SpawnDetached(options_.worker_binary, args, log);
  if (!pid.ok()) return pid.status();
  workers_[id] = *pid;
  LogInfo("worker started", {{"worker", id},
                             {"pid", absl::StrCat(*pid)},
                             {"cores", absl::StrCat(options_.cores_per_worker)},
                             {"log", log.string()}});
  return id;
}

absl::Status LocalProvisioner::RemoveWorker(const std::string& worker_id) {
  pid_t pid = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = workers_.find(worker_id);
    if (it == workers_.end()) {
      return absl::NotFoundError(absl::StrCat("worker ", worker_id,
                                              " was not started by the local provisioner (or "
                                              "has exited); only those it started are removed"));
    }
    pid = it->second;
    workers_.erase(it);
  }
  // Outside the lock: the worker finishes what it holds first.
  const StopOutcome outcome = StopProcess(pid, options_.stop_grace);
  LogInfo("worker stopped",
          {{"worker", worker_id},
           {"pid", absl::StrCat(pid)},
           {"how", outcome == StopOutcome::kKilled ? "killed after the grace" : "exited"}});
  return absl::OkStatus();
}

std::vector<std::string> LocalProvisioner::Workers() {
  absl::MutexLock lock(&mu_);
  ReapExitedLocked();
  std::vector<std::string> ids;
  for (const auto& [id, pid] : workers_) ids.push_back(id);
  return ids;
}

}  // namespace infaas::autoscaler
