#include "testing/hosts_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kMasterPort[] = "50052";
constexpr char kWorkerPort[] = "50051";
constexpr char kRedisPort[] = "6379";

std::string Bin(const std::string& name) {
  return (TestCluster::BinaryDir() / "bin" / name).string();
}

std::string Millis(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d)); }

// Reads stdout lines until one contains `marker` (the process is up).
absl::Status AwaitLine(ChildProcess* process, absl::string_view marker, absl::string_view what,
                       const fs::path& log) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> line = process->ReadLine(deadline - absl::Now());
    if (!line.ok()) {
      return absl::UnavailableError(
          absl::StrCat(what, " did not start (", line.status().message(), "); see ", log.string()));
    }
    if (absl::StrContains(*line, marker)) return absl::OkStatus();
  }
  return absl::DeadlineExceededError(absl::StrCat(what, " did not start within 60 s"));
}

}  // namespace

std::string HostsCluster::MasterHost(int index) {
  return absl::StrCat("master-", std::string(1, static_cast<char>('a' + index)));
}
std::string HostsCluster::WorkerHost(int index) { return absl::StrCat("worker-", index + 1); }

std::string HostsCluster::MasterAddress(int index) const {
  return absl::StrCat(hosts_->Address(MasterHost(index)), ":", kMasterPort);
}

std::string HostsCluster::MasterAddresses() const {
  std::vector<std::string> all;
  for (int i = 0; i < masters(); ++i) all.push_back(MasterAddress(i));
  return absl::StrJoin(all, ",");
}

std::string HostsCluster::RedisUrl() const {
  return absl::StrCat("redis://", hosts_->Address("redis"), ":", kRedisPort);
}

fs::path HostsCluster::LogOf(const std::string& host) const {
  return dir_ / "logs" / absl::StrCat(host, ".log");
}

absl::StatusOr<std::unique_ptr<HostsCluster>> HostsCluster::Start(
    const HostsClusterOptions& options) {
  std::unique_ptr<HostsCluster> c(new HostsCluster(options));
  std::vector<std::string> names = {"redis"};
  for (int i = 0; i < options.masters; ++i) names.push_back(MasterHost(i));
  for (int i = 0; i < options.workers; ++i) names.push_back(WorkerHost(i));
  names.push_back("client");
  ASSIGN_OR_RETURN(c->hosts_, NetnsHosts::Create(names));
  static int counter = 0;
  c->dir_ = fs::temp_directory_path() / absl::StrCat("infaas-hosts-", ::getpid(), "-", counter++);
  fs::remove_all(c->dir_);
  for (const char* sub : {"logs", "models", "redis", "home"}) fs::create_directories(c->dir_ / sub);
  // The CLI's defaults (keys, addresses) come from here, not the user's home.
  ::setenv("INFAAS_HOME", (c->dir_ / "home").c_str(), 1);
  RETURN_IF_ERROR(c->StartRedis());
  RETURN_IF_ERROR(c->RegisterZoo());
  c->masters_.resize(options.masters);
  for (int i = 0; i < options.masters; ++i) RETURN_IF_ERROR(c->StartMaster(i));
  c->workers_.resize(options.workers);
  for (int i = 0; i < options.workers; ++i) RETURN_IF_ERROR(c->StartWorker(i));
  for (int i = 0; i < options.masters; ++i) {
    RETURN_IF_ERROR(c->AwaitLiveWorkers(i, options.workers, absl::Seconds(60)));
  }
  return c;
}

HostsCluster::~HostsCluster() {
  hosts_.reset();  // stops every process, removes the namespaces
  std::error_code ec;
  if (!dir_.empty() && std::getenv("INFAAS_KEEP_TEST_DIRS") == nullptr) fs::remove_all(dir_, ec);
}

absl::Status HostsCluster::StartRedis() {
  ASSIGN_OR_RETURN(redis_, hosts_->Start("redis",
                                         {"redis-server", "--bind", hosts_->Address("redis"),
                                          "--port", kRedisPort, "--protected-mode", "no", "--dir",
                                          (dir_ / "redis").string(), "--appendonly", "yes",
                                          "--appendfsync", "always", "--save", ""},
                                         LogOf("redis")));
  // Ready once a client on another host gets PONG.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> pong = hosts_->Run(
        "client", {"redis-cli", "-h", hosts_->Address("redis"), "-p", kRedisPort, "ping"},
        absl::Seconds(2));
    if (pong.ok() && absl::StrContains(*pong, "PONG")) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::UnavailableError(
      absl::StrCat("redis-server did not answer within 20 s; see ", LogOf("redis").string()));
}

absl::Status HostsCluster::RestartRedis() {
  redis_->Stop(SIGTERM);
  return StartRedis();
}

absl::Status HostsCluster::RegisterZoo() {
  for (const std::string& model : options_.zoo_models) {
    absl::StatusOr<std::string> out =
        hosts_->Run("client",
                    {Bin("infaas"), "profile",
                     (TestCluster::SourceDir() / "models/zoo" / model / "config.pbtxt").string(),
                     "--quick", "--cores", "1", "--validation",
                     (TestCluster::SourceDir() / "models/zoo/validation").string(), "--store",
                     RedisUrl(), "--repo", (dir_ / "models").string()},
                    absl::Minutes(5));
    if (!out.ok()) {
      return absl::InternalError(
          absl::StrCat("registering ", model, " failed: ", out.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status HostsCluster::StartMaster(int index) {
  const std::string host = MasterHost(index);
  ASSIGN_OR_RETURN(masters_[index], hosts_->Start(host,
                                                  {Bin("infaas-master"),
                                                   "--listen",
                                                   MasterAddress(index),
                                                   "--store",
                                                   RedisUrl(),
                                                   "--repo",
                                                   (dir_ / "models").string(),
                                                   "--http-port",
                                                   "8000",
                                                   "--metrics-port",
                                                   "8002",
                                                   "--masters",
                                                   MasterAddresses(),
                                                   "--leader-lease-ms",
                                                   Millis(options_.leader_lease),
                                                   "--dead-after-ms",
                                                   Millis(options_.dead_after),
                                                   "--heartbeat-ms",
                                                   Millis(options_.heartbeat),
                                                   "--autoscaler",
                                                   options_.autoscaler,
                                                   "--log-dir",
                                                   (dir_ / "logs").string(),
                                                   "--job-root",
                                                   dir_.string(),
                                                   "--model-source-root",
                                                   TestCluster::SourceDir().string()},
                                                  LogOf(host)));
  return AwaitLine(masters_[index], "infaas-master listening on", host, LogOf(host));
}

void HostsCluster::KillMaster(int index) {
  if (masters_[index] == nullptr) return;
  masters_[index]->Stop(SIGKILL);
  masters_[index] = nullptr;
}

pid_t HostsCluster::MasterPid(int index) const {
  return masters_[index] != nullptr ? masters_[index]->pid() : -1;
}

absl::Status HostsCluster::StartWorker(int index) {
  const std::string host = WorkerHost(index);
  ASSIGN_OR_RETURN(workers_[index],
                   hosts_->Start(host,
                                 {Bin("infaas-worker"), "--master", MasterAddresses(), "--listen",
                                  absl::StrCat(hosts_->Address(host), ":", kWorkerPort), "--id",
                                  host, "--repo", (dir_ / "models").string(), "--cores", "1",
                                  "--heartbeat-ms", Millis(options_.heartbeat)},
                                 LogOf(host)));
  return AwaitLine(workers_[index], "listening on", host, LogOf(host));
}

absl::StatusOr<std::string> HostsCluster::Client(const std::vector<std::string>& args,
                                                 absl::Duration timeout) {
  std::vector<std::string> argv = {Bin("infaas")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--master");
  argv.push_back(MasterAddresses());
  return hosts_->Run("client", argv, timeout);
}

absl::StatusOr<std::string> HostsCluster::ClientOf(int master, const std::vector<std::string>& args,
                                                   absl::Duration timeout) {
  std::vector<std::string> argv = {Bin("infaas")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--master");
  argv.push_back(MasterAddress(master));
  return hosts_->Run("client", argv, timeout);
}

absl::StatusOr<int> HostsCluster::Leader(int asked) {
  ASSIGN_OR_RETURN(std::string out, ClientOf(asked, {"status", "--json", "--timeout-ms", "2000"},
                                             absl::Seconds(10)));
  const nlohmann::json status = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded()) return absl::InternalError(absl::StrCat("not JSON: ", out));
  const std::string leader = status.value("leader", "");
  // The holder is host/pid/random: the pid names the master.
  std::vector<std::string> parts = absl::StrSplit(leader, '/');
  pid_t pid = 0;
  if (parts.size() == 3 && absl::SimpleAtoi(parts[1], &pid)) {
    for (int i = 0; i < masters(); ++i) {
      if (MasterPid(i) == pid) return i;
    }
  }
  return absl::NotFoundError(absl::StrCat("master ", MasterHost(asked), " knows no live leader (",
                                          leader.empty() ? "none" : leader, ")"));
}

absl::StatusOr<int> HostsCluster::AwaitLeader(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last = absl::DeadlineExceededError("no master asked");
  while (absl::Now() < deadline) {
    int agreed = -1;
    bool all = true;
    for (int i = 0; i < masters() && all; ++i) {
      if (masters_[i] == nullptr) continue;
      absl::StatusOr<int> leader = Leader(i);
      if (!leader.ok()) {
        last = leader.status();
        all = false;
      } else if (agreed >= 0 && *leader != agreed) {
        all = false;
      } else {
        agreed = *leader;
      }
    }
    if (all && agreed >= 0) return agreed;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the masters did not agree on a leader: ", last.message()));
}

absl::StatusOr<std::string> HostsCluster::ServingWorker() {
  ASSIGN_OR_RETURN(const int leader, AwaitLeader(absl::Seconds(10)));
  ASSIGN_OR_RETURN(std::string out, ClientOf(leader, {"status", "--json", "--timeout-ms", "2000"},
                                             absl::Seconds(10)));
  const nlohmann::json status = nlohmann::json::parse(out, nullptr, false);
  std::vector<std::string> serving;
  if (!status.is_discarded() && status.contains("workers")) {
    for (const auto& w : status["workers"]) {
      if (w.contains("variants") && !w["variants"].empty()) serving.push_back(w.value("id", ""));
    }
  }
  std::sort(serving.begin(), serving.end());
  if (serving.empty()) return absl::NotFoundError("no worker serves a variant yet");
  return serving.front();  // the worker's id is its host's name
}

absl::Status HostsCluster::AwaitLiveWorkers(int index, int n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int live = 0;
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> out =
        ClientOf(index, {"status", "--json", "--timeout-ms", "2000"}, absl::Seconds(10));
    if (out.ok()) {
      const nlohmann::json status = nlohmann::json::parse(*out, nullptr, false);
      live = 0;
      if (!status.is_discarded() && status.contains("workers")) {
        for (const auto& w : status["workers"]) live += w.value("alive", false) ? 1 : 0;
      }
      if (live >= n) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(absl::StrCat(MasterHost(index), " lists ", live,
                                                  " live workers, not ", n, ", after ",
                                                  absl::FormatDuration(timeout)));
}

absl::StatusOr<ChildProcess*> HostsCluster::StartLoad(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Bin("infaas-bench"), "--master", MasterAddresses()};
  argv.insert(argv.end(), args.begin(), args.end());
  return hosts_->Start("client", argv, LogOf("client-load"));
}

}  // namespace infaas::testing
