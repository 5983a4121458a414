#include "cli/local_cluster.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/local_state.h"
#include "cli/master_client.h"
#include "cli/pid_file.h"
#include "cli/progress_bar.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "dashboard/dashboard_routes.h"

namespace infaas::cli {
namespace {

constexpr absl::string_view kMaster = "master";
constexpr absl::string_view kMasterReadyPrefix = "infaas-master listening on ";
constexpr absl::string_view kMasterHttpPrefix = "infaas-master http listening on ";
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);

using WatchedProcess = std::pair<std::string, pid_t>;

std::string BinaryFor(absl::string_view process) {
  return process == kMaster ? "infaas-master" : "infaas-worker";
}

// Names with a pid file: workers in name order, then the master.
std::vector<std::string> TrackedProcesses() {
  std::vector<std::string> names;
  bool master = false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(RunFolder(), ec)) {
    if (entry.path().extension() != ".pid") continue;
    const std::string stem = entry.path().stem().string();
    if (stem == kMaster) {
      master = true;
    } else {
      names.push_back(stem);
    }
  }
  std::sort(names.begin(), names.end());
  if (master) names.emplace_back(kMaster);
  return names;
}

// Removes the pid files of `processes` and master.address.
void RemoveRunFiles(const std::vector<std::string>& processes) {
  std::error_code ec;
  for (const std::string& process : processes) std::filesystem::remove(PidFilePath(process), ec);
  std::filesystem::remove(MasterAddressFile(), ec);
}

std::optional<pid_t> RunningPid(absl::string_view process) {
  absl::StatusOr<pid_t> pid = ReadPidFile(PidFilePath(process));
  if (!pid.ok() || !ProcessAlive(*pid) || !ProcessRunsBinary(*pid, BinaryFor(process))) {
    return std::nullopt;
  }
  return *pid;
}

absl::Status DiedEarly(absl::string_view process) {
  const std::filesystem::path log = LogFilePath(process);
  return absl::AbortedError(absl::StrCat(process, " exited during start-up; the end of ",
                                         log.string(), ":\n", TailOfFile(log, 20)));
}

absl::StatusOr<pid_t> StartProcess(const std::filesystem::path& binaries, absl::string_view process,
                                   const std::vector<std::string>& args) {
  const std::string name = BinaryFor(process);
  const std::filesystem::path binary = binaries / name;
  if (!std::filesystem::exists(binary)) {
    return absl::NotFoundError(absl::StrCat(name, " is not beside infaas in ", binaries.string(),
                                            "; build it: cmake --build build --target ", name));
  }
  ASSIGN_OR_RETURN(pid_t pid, SpawnDetached(binary, args, LogFilePath(process)));
  if (absl::Status s = WritePidFile(PidFilePath(process), pid); !s.ok()) {
    StopProcess(pid, absl::Seconds(5));
    return s;
  }
  return pid;
}

// The rest of the first complete line of the process's log that starts
// with `prefix`, once there is one.
absl::StatusOr<std::string> WaitForLogLine(absl::string_view process, pid_t pid,
                                           absl::string_view prefix, absl::Time deadline) {
  while (true) {
    const std::string log = ReadFile(LogFilePath(process)).value_or("");
    std::vector<absl::string_view> lines = absl::StrSplit(log, '\n');
    lines.pop_back();  // empty or a line still being written
    for (absl::string_view line : lines) {
      if (absl::ConsumePrefix(&line, prefix)) return std::string(absl::StripAsciiWhitespace(line));
    }
    if (!ProcessAlive(pid)) return DiedEarly(process);
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(process, " did not start in time; see ", LogFilePath(process).string()));
    }
    absl::SleepFor(kPollInterval);
  }
}

// How many of `ids` the master reports alive; 0 while it does not answer.
size_t LiveWorkers(MasterClient& master, const std::set<std::string>& ids) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(1));
  v1::ClusterStatus status;
  if (!master.stub().GetClusterStatus(&context, v1::GetClusterStatusRequest(), &status).ok()) {
    return 0;
  }
  return std::count_if(
      status.workers().begin(), status.workers().end(),
      [&ids](const v1::WorkerStatus& w) { return w.alive() && ids.count(w.id()); });
}

absl::Status WaitForWorkers(const std::string& address, const std::vector<WatchedProcess>& watched,
                            const std::set<std::string>& ids, absl::Time deadline,
                            ProgressBar& bar) {
  MasterClient master(address);
  while (true) {
    for (const auto& [name, pid] : watched) {
      if (!ProcessAlive(pid)) return DiedEarly(name);
    }
    const size_t live = LiveWorkers(master, ids);
    bar.Update(absl::StrFormat("workers registered: %d/%d", live, ids.size()),
               0.5 + 0.5 * static_cast<double>(live) / static_cast<double>(ids.size()));
    if (live == ids.size()) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("only ", live, " of ", ids.size(), " workers registered with the master at ",
                       address, " in time; see the logs in ", LogFolder().string()));
    }
    absl::SleepFor(kPollInterval);
  }
}

void AppendTlsArgs(const LocalClusterOptions& o, std::vector<std::string>* args) {
  if (o.tls_cert.empty()) return;
  args->insert(args->end(),
               {"--tls-cert", o.tls_cert, "--tls-key", o.tls_key, "--tls-ca", o.tls_ca});
}

std::vector<std::string> MasterArgs(const LocalClusterOptions& o) {
  std::vector<std::string> args = {
      "--listen", absl::StrCat("127.0.0.1:", o.port), "--store", o.store_url, "--repo",
      o.repository, "--autoscaler", o.autoscaler, "--max-workers", absl::StrCat(o.max_workers),
      "--worker-cores", absl::StrCat(o.worker_cores), "--log-dir", LogFolder().string(),
      "--http-port", absl::StrCat(o.http_port), "--metrics-port", absl::StrCat(o.metrics_port),
      // Safe to expose: keys, with the operator's in <home>/admin.key, and
      // a cluster secret the workers share.
      "--require-api-keys", "--admin-key-file", AdminKeyFile().string(), "--cluster-secret-file",
      ClusterSecretFile().string()};
  for (const std::string& root : o.model_source_roots) {
    args.insert(args.end(), {"--model-source-root", root});
  }
  for (const std::string& root : o.job_roots) args.insert(args.end(), {"--job-root", root});
  AppendTlsArgs(o, &args);
  return args;
}

std::vector<std::string> WorkerArgs(const LocalClusterOptions& o, const std::string& master,
                                    const std::string& id) {
  std::vector<std::string> args = {"--master",
                                   master,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--id",
                                   id,
                                   "--repo",
                                   o.repository,
                                   "--cores",
                                   absl::StrCat(o.worker_cores),
                                   "--cluster-secret-file",
                                   ClusterSecretFile().string()};
  AppendTlsArgs(o, &args);
  return args;
}

absl::StatusOr<LocalCluster> StartProcesses(const LocalClusterOptions& options) {
  const absl::Time deadline = absl::Now() + options.startup_timeout;
  ProgressBar bar("starting INFaaS");
  bar.Update("start master", 0);
  ASSIGN_OR_RETURN(pid_t master_pid, StartProcess(options.binaries, kMaster, MasterArgs(options)));
  ASSIGN_OR_RETURN(std::string address,
                   WaitForLogLine(kMaster, master_pid, kMasterReadyPrefix, deadline));
  RETURN_IF_ERROR(WriteFileAtomically(MasterAddressFile(), absl::StrCat(address, "\n")));
  LocalCluster cluster{.master_address = address, .worker_ids = {}};
  if (options.http_port >= 0) {
    ASSIGN_OR_RETURN(std::string http,
                     WaitForLogLine(kMaster, master_pid, kMasterHttpPrefix, deadline));
    cluster.dashboard_url = absl::StrCat(options.tls_cert.empty() ? "http://" : "https://", http,
                                         std::string(dashboard::kDashboardPath));
  }
  std::vector<WatchedProcess> watched = {{std::string(kMaster), master_pid}};
  for (int i = 1; i <= options.workers; ++i) {
    const std::string id = absl::StrCat("worker-", i);
    bar.Update(absl::StrCat("start ", id), 0.25 + 0.25 * i / static_cast<double>(options.workers));
    ASSIGN_OR_RETURN(pid_t pid,
                     StartProcess(options.binaries, id, WorkerArgs(options, address, id)));
    watched.emplace_back(id, pid);
    cluster.worker_ids.push_back(id);
  }
  const std::set<std::string> ids(cluster.worker_ids.begin(), cluster.worker_ids.end());
  if (!ids.empty()) RETURN_IF_ERROR(WaitForWorkers(address, watched, ids, deadline, bar));
  return cluster;
}

}  // namespace

absl::Status CheckNoLocalClusterRuns() {
  std::vector<std::string> processes = TrackedProcesses();
  std::reverse(processes.begin(), processes.end());  // name the master first
  for (const std::string& process : processes) {
    if (std::optional<pid_t> pid = RunningPid(process)) {
      const std::string address = ReadFile(MasterAddressFile()).value_or("");
      return absl::FailedPreconditionError(absl::StrCat(
          "INFaaS from ", StateHome().string(), " is already running (", process, ", pid ", *pid,
          address.empty() ? "" : absl::StrCat("; master on ", absl::StripAsciiWhitespace(address)),
          "); stop it with `infaas down`, or set INFAAS_HOME to another folder"));
    }
  }
  RemoveRunFiles(processes);  // stale: their processes are gone
  return absl::OkStatus();
}

absl::StatusOr<LocalCluster> StartLocalCluster(const LocalClusterOptions& options) {
  absl::StatusOr<LocalCluster> cluster = StartProcesses(options);
  if (!cluster.ok()) StopLocalCluster(absl::Seconds(5));
  return cluster;
}

std::vector<StoppedProcess> StopLocalCluster(absl::Duration grace) {
  const std::vector<std::string> processes = TrackedProcesses();
  std::vector<StoppedProcess> stopped;
  for (const std::string& process : processes) {
    StoppedProcess entry{.name = process, .pid = 0, .outcome = StopOutcome::kNotRunning};
    if (absl::StatusOr<pid_t> pid = ReadPidFile(PidFilePath(process)); pid.ok()) {
      entry.pid = *pid;
      // Only a process still running our binary is ours to stop.
      if (ProcessRunsBinary(*pid, BinaryFor(process))) entry.outcome = StopProcess(*pid, grace);
    }
    stopped.push_back(entry);
  }
  RemoveRunFiles(processes);
  return stopped;
}

}  // namespace infaas::cli
