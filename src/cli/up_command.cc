#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/local_cluster.h"
#include "cli/local_state.h"
#include "cli/master_client.h"
#include "cli/model_zoo.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

struct UpFlags {
  int workers = 1;
  std::string store = DefaultStoreUrl();
  std::string repository = DefaultRepositoryUrl();
  int port = 50052;
  int http_port = 8000;
  int metrics_port = 8002;
  int wait_s = 30;
  bool no_zoo = false;
  std::string autoscaler = "infaas";
  int max_workers = -1;  // -1: workers + 2
  int worker_cores = 0;  // 0: this machine's cores shared among the workers
  std::vector<std::string> model_source_roots;
  std::vector<std::string> job_roots;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
};

std::vector<std::string> AbsolutePaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    out.push_back(p.empty() ? p : std::filesystem::absolute(p).lexically_normal().string());
  }
  return out;
}

// The started processes keep our working folder, but their logs and the
// master's messages are clearer with absolute paths.
std::string AbsoluteStoreUrl(const std::string& url) {
  if (!absl::StartsWith(url, "sqlite:")) return url;
  return absl::StrCat("sqlite:",
                      std::filesystem::absolute(url.substr(7)).lexically_normal().string());
}

absl::Status RegisterZooIfEmpty(MasterClient& master) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::ListArchitecturesResponse known;
  if (grpc::Status s = master.stub().ListArchitectures(&context, {}, &known); !s.ok()) {
    return master.CallError(s);
  }
  if (known.architectures_size() > 0) {
    std::cout << "catalogue: " << absl::StrJoin(known.architectures(), ", ") << "\n";
    return absl::OkStatus();
  }
  const char* env = std::getenv("INFAAS_ZOO");
  absl::StatusOr<std::filesystem::path> zoo = FindModelZoo(ExecutableFolder(), env ? env : "");
  if (!zoo.ok()) {
    std::cerr << "the catalogue is empty and " << zoo.status().message()
              << "; register models with: infaas register CONFIG\n";
    return absl::OkStatus();
  }
  std::cout << "the catalogue is empty: registering the model zoo in " << zoo->string()
            << " (profiling every variant takes a few minutes; --no-zoo skips this)\n";
  return RegisterModelZoo(master, *zoo);
}

// A sample image to show in the example query, from the zoo when there is one.
std::string SampleImage() {
  const char* env = std::getenv("INFAAS_ZOO");
  absl::StatusOr<std::filesystem::path> zoo = FindModelZoo(ExecutableFolder(), env ? env : "");
  const std::filesystem::path sample =
      zoo.ok() ? *zoo / "samples" / "ankle_boot_0000.png" : std::filesystem::path();
  return zoo.ok() && std::filesystem::exists(sample) ? sample.string() : "IMAGE.png";
}

void PrintHowToUse(const LocalCluster& cluster) {
  const std::string workers =
      cluster.worker_ids.empty() ? ""
                                 : absl::StrCat(" (", absl::StrJoin(cluster.worker_ids, ", "), ")");
  std::cout << "INFaaS is up: master on " << cluster.master_address << ", "
            << cluster.worker_ids.size() << " worker(s)" << workers << "\n"
            << "  state:  " << StateHome().string() << " (logs in " << LogFolder().string() << ")\n"
            << "  clients started with this INFAAS_HOME / in this folder find the master through "
            << MasterAddressFile().string() << "; elsewhere pass --master "
            << cluster.master_address << "\n"
            << "  files:  offline jobs read and write under " << JobFolder().string()
            << " (a user key's: under its tenants/<tenant>); registration reads "
            << ModelSourceFolder().string() << " and the shipped models (--job-root and "
            << "--model-source-root add folders)\n"
            << (cluster.dashboard_url.empty()
                    ? ""
                    : absl::StrCat("  dashboard: ", cluster.dashboard_url, " (the admin key is in ",
                                   StateHome().string(), "/admin.key)\n"))
            << "  try:    infaas status; infaas top; infaas modarch classification fashion-mnist\n"
            << "          infaas query -t classification -D fashion-mnist -A 90 -l 20 -i "
            << SampleImage() << "\n"
            << "  stop:   infaas down\n";
}

// What clients may name: the home's folders, the shipped models (the zoo
// and the examples beside it, which this command registers), and what the
// operator adds.
absl::StatusOr<std::vector<std::string>> ModelSourceRoots(const UpFlags& flags) {
  ASSIGN_OR_RETURN(std::vector<std::string> roots, RootsOrDefault({}, ModelSourceFolder()));
  const char* env = std::getenv("INFAAS_ZOO");
  if (absl::StatusOr<std::filesystem::path> zoo = FindModelZoo(ExecutableFolder(), env ? env : "");
      zoo.ok()) {
    const std::filesystem::path shipped =
        zoo->parent_path().filename() == "models" ? zoo->parent_path() : *zoo;
    roots.push_back(std::filesystem::absolute(shipped).lexically_normal().string());
  }
  for (const std::string& root : AbsolutePaths(flags.model_source_roots)) roots.push_back(root);
  return roots;
}

absl::StatusOr<std::vector<std::string>> JobRoots(const UpFlags& flags) {
  ASSIGN_OR_RETURN(std::vector<std::string> roots, RootsOrDefault({}, JobFolder()));
  for (const std::string& root : AbsolutePaths(flags.job_roots)) roots.push_back(root);
  return roots;
}

absl::Status RunUp(const UpFlags& flags) {
  RETURN_IF_ERROR(CheckNoLocalClusterRuns());
  ASSIGN_OR_RETURN(std::vector<std::string> model_source_roots, ModelSourceRoots(flags));
  ASSIGN_OR_RETURN(std::vector<std::string> job_roots, JobRoots(flags));
  const LocalClusterOptions options{
      .workers = flags.workers,
      .store_url = AbsoluteStoreUrl(flags.store),
      .repository = std::filesystem::absolute(flags.repository).lexically_normal().string(),
      .port = flags.port,
      .http_port = flags.http_port,
      .metrics_port = flags.metrics_port,
      .startup_timeout = absl::Seconds(flags.wait_s),
      .binaries = ExecutableFolder(),
      .autoscaler = flags.autoscaler,
      .max_workers = flags.max_workers >= 0 ? flags.max_workers : flags.workers + 2,
      .worker_cores = flags.worker_cores > 0
                          ? flags.worker_cores
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                            std::max(1, flags.workers)),
      .model_source_roots = std::move(model_source_roots),
      .job_roots = std::move(job_roots),
      .tls_cert = AbsolutePaths({flags.tls_cert}).front(),
      .tls_key = AbsolutePaths({flags.tls_key}).front(),
      // A self-signed certificate is its own CA.
      .tls_ca = AbsolutePaths({flags.tls_ca.empty() ? flags.tls_cert : flags.tls_ca}).front()};
  if (!options.tls_cert.empty() && std::getenv("INFAAS_TLS_CA") == nullptr) {
    // This command's own calls to the master (waiting, registering the zoo).
    ::setenv("INFAAS_TLS_CA", options.tls_ca.c_str(), 1);
  }
  ASSIGN_OR_RETURN(LocalCluster cluster, StartLocalCluster(options));
  MasterClient master(cluster.master_address);
  const absl::Status zoo = flags.no_zoo ? absl::OkStatus() : RegisterZooIfEmpty(master);
  PrintHowToUse(cluster);
  if (!zoo.ok()) {
    return absl::Status(
        zoo.code(), absl::StrCat(zoo.message(), "; INFaaS keeps running (stop it: infaas down)"));
  }
  return absl::OkStatus();
}

}  // namespace

void AddUpCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<UpFlags>();
  CLI::App* cmd = app.add_subcommand(
      "up",
      "Start INFaaS on this machine in the background: infaas-master and N infaas-worker\n"
      "processes (found beside this infaas executable), each in its own session with its\n"
      "output in $INFAAS_HOME/logs (default ./.infaas/logs) and its pid in $INFAAS_HOME/run.\n"
      "Waits until every worker has registered with the master. If the catalogue is empty,\n"
      "registers the shipped model zoo (models/zoo above the executable, or $INFAAS_ZOO).\n"
      "Refuses to start twice from one state folder; `infaas down` stops it.\n"
      "The master autoscales: it adds and removes instances of variants and, up to\n"
      "--max-workers, starts and stops more workers on this machine as demand moves.\n"
      "Examples:\n"
      "  infaas up\n"
      "  infaas up --workers 2 --port 0 --no-zoo\n"
      "  INFAAS_HOME=/tmp/infaas infaas up --store redis://localhost:6379");
  cmd->add_option("--workers", flags->workers, "How many workers to start")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--store", flags->store, "Metadata store: sqlite:PATH or redis://HOST:PORT[/DB]")
      ->capture_default_str();
  cmd->add_option("--repo", flags->repository, "Model repository folder")->capture_default_str();
  cmd->add_option("--port", flags->port, "Master port on 127.0.0.1 (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--http-port", flags->http_port,
                  "Master HTTP port (KServe v2, REST) on 127.0.0.1 (0: any free, -1: off)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  cmd->add_option("--metrics-port", flags->metrics_port,
                  "Master Prometheus /metrics port on 127.0.0.1 (0: any free, -1: off)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  cmd->add_option("--wait-s", flags->wait_s, "Seconds to wait for the master and workers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--no-zoo", flags->no_zoo, "Do not register the model zoo into an empty catalogue");
  cmd->add_option("--autoscaler", flags->autoscaler,
                  "Scaling policy: infaas, infaas2021, individual, or static (off)")
      ->capture_default_str();
  cmd->add_option("--max-workers", flags->max_workers,
                  "Most workers the autoscaler may run (default: --workers + 2; "
                  "--workers or less: it never starts one)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--worker-cores", flags->worker_cores,
                  "Cores each worker offers (default: this machine's cores / --workers)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--model-source-root", flags->model_source_roots,
                  "Another folder registration may read (repeatable); always allowed: "
                  "$INFAAS_HOME/sources and the shipped models")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--tls-cert", flags->tls_cert,
                  "PEM certificate for TLS on every listener of the master and the workers; "
                  "clients then need INFAAS_TLS_CA")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-ca", flags->tls_ca,
                  "PEM CA that signed --tls-cert (default: the certificate itself)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--job-root", flags->job_roots,
                  "Another folder offline jobs may read and write (repeatable); always allowed: "
                  "$INFAAS_HOME/jobs. A user key's jobs: only ROOT/tenants/<tenant>")
      ->check(CLI::ExistingDirectory);
  cmd->callback([flags, exit_code] { ReportCommandStatus("up", RunUp(*flags), exit_code); });
}

}  // namespace infaas::cli
