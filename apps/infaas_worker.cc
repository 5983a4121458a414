// infaas-worker: loads model variants and serves inference for the master.
//
//   infaas-worker --master localhost:50052 --listen 127.0.0.1:0 --repo .infaas/models
//   infaas-worker --master 10.0.0.1:50052,10.0.0.2:50052 --listen 10.0.0.7:0 ...
//
// Once serving it prints one line to stdout, for launchers and tests to read
// the chosen port:
//   infaas-worker <id> listening on <host>:<port>
// SIGTERM or SIGINT stops it gracefully: heartbeats stop, calls in flight
// finish, variants unload, exit status 0.

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/cpu_affinity.h"
#include "common/logging.h"
#include "common/mutex_checks.h"
#include "common/secret_file.h"
#include "worker/worker_server.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

std::string DefaultRepository() {
  const char* home = std::getenv("INFAAS_HOME");
  const std::filesystem::path base = home != nullptr && *home != '\0'
                                         ? std::filesystem::path(home)
                                         : std::filesystem::current_path() / ".infaas";
  return (base / "models").string();
}

// Blocks SIGTERM/SIGINT in this thread before any other starts, so that every
// thread inherits the mask and only sigwait() below sees them.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("infaas-worker: loads model variants and serves inference for the INFaaS master.",
               "infaas-worker");
  std::vector<std::string> masters =
      absl::StrSplit(EnvOr("INFAAS_MASTER", "localhost:50052"), ',', absl::SkipWhitespace());
  std::string listen = "127.0.0.1:0";
  std::string id = absl::StrCat("worker-", ::getpid());
  std::string repo = DefaultRepository();
  int heartbeat_ms = 500;
  int cores = 0;
  std::string cpus;
  std::string log_level = "info";
  std::string secret_file;
  std::string tls_cert, tls_key, tls_ca;
  app.add_option("--master", masters,
                 "HOST:PORT of the master; several masters sharing one store: each of them, "
                 "comma-separated or repeated (heartbeats go to all) (env INFAAS_MASTER)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--listen", listen, "HOST:PORT to serve on; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--id", id, "this worker's id")->capture_default_str();
  app.add_option("--repo", repo, "model repository root ($INFAAS_HOME/models)")
      ->capture_default_str();
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval until the master sets one")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--cores", cores,
                 "cores this worker offers the master (its CPU utilisation is measured against "
                 "them); 0 = all of the machine's")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--cpus", cpus,
                 "pin the worker to these CPUs, e.g. 0-1,4 (default: not pinned); with "
                 "--cores, workers sharing a machine then share no core");
  app.add_option("--cluster-secret-file", secret_file,
                 "file (mode 0600) holding the secret the master was given; calls without it "
                 "are refused (default: none, any caller is trusted)");
  app.add_option("--tls-cert", tls_cert, "PEM certificate: TLS on this worker's port");
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-ca", tls_ca,
                 "PEM CA that signed the master's certificate: dial the master over TLS");
  app.add_option("--log-level", log_level, "debug, info, warning or error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  infaas::InitLogging(absl::StrCat("worker ", id), infaas::ParseLogLevel(log_level));
  infaas::UseReleaseMutexChecks();
  if (!cpus.empty()) {
    // Before any thread starts: they all inherit the mask.
    absl::StatusOr<std::vector<int>> list = infaas::ParseCpuList(cpus);
    absl::Status pinned = list.ok() ? infaas::PinProcessToCpus(*list) : list.status();
    if (!pinned.ok()) {
      infaas::LogError("worker failed to start", {{"worker", id}, {"error", pinned.message()}});
      std::cerr << "infaas-worker: --cpus " << cpus << ": " << pinned.message() << "\n";
      return 1;
    }
  }
  std::string secret;
  if (!secret_file.empty()) {
    absl::StatusOr<std::string> read = infaas::ReadSecretFile(secret_file);
    if (!read.ok()) {
      infaas::LogError("worker failed to start",
                       {{"worker", id}, {"error", read.status().message()}});
      std::cerr << "infaas-worker: --cluster-secret-file: " << read.status().message() << "\n";
      return 1;
    }
    secret = *std::move(read);
  }
  const sigset_t stop_signals = BlockStopSignals();
  auto server =
      infaas::worker::WorkerServer::Create({.worker_id = id,
                                            .listen_address = listen,
                                            .repository_root = repo,
                                            .masters = masters,
                                            .heartbeat_interval = absl::Milliseconds(heartbeat_ms),
                                            .cores = cores,
                                            .cluster_secret = secret,
                                            .tls = {.cert = tls_cert, .key = tls_key},
                                            .tls_ca = tls_ca});
  if (!server.ok()) {
    infaas::LogError("worker failed to start",
                     {{"worker", id}, {"error", server.status().message()}});
    return 1;
  }
  std::cout << "infaas-worker " << id << " listening on " << (*server)->listen_address()
            << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  infaas::LogInfo("worker stopping", {{"worker", id}, {"signal", strsignal(signal_number)}});
  (*server)->Shutdown();
  return 0;
}
