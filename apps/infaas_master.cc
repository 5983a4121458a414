// infaas-master: the INFaaS controller and query front end.
//
//   infaas-master --listen 127.0.0.1:50052 --store sqlite:.infaas/infaas.db --repo .infaas/models
//
// Serves infaas.v1 and the Open Inference Protocol (KServe v2) over gRPC on
// --listen, the protocol and INFaaS's REST API over HTTP on --http-port,
// and Prometheus metrics on --metrics-port (both on the --listen host).
// Once serving it prints "infaas-master listening on HOST:PORT", then
// "infaas-master http listening on HOST:PORT" and "infaas-master metrics
// listening on HOST:PORT" for the ports that are on (port 0 picks a free
// one; -1 turns HTTP or metrics off). SIGTERM or SIGINT stops it gracefully.

#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoscaler/provisioner.h"
#include "autoscaler/scaling_policy.h"
#include "cli/local_state.h"
#include "common/logging.h"
#include "common/mutex_checks.h"
#include "kind_flags.h"
#include "master/master_server.h"

namespace {

struct Flags {
  std::string listen = "127.0.0.1:50052";
  std::string store = infaas::cli::DefaultStoreUrl();
  std::string repository = infaas::cli::DefaultRepositoryUrl();
  int heartbeat_ms = 500;
  int dead_after_ms = 2000;
  int reload_ms = 5000;
  int http_port = 8000;     // -1: off
  int metrics_port = 8002;  // -1: off
  size_t http_max_body_bytes = 64 << 20;
  int http_threads = 16;
  size_t http_max_waiting_connections = 64;
  int64_t max_queries_in_flight = 4096;
  int64_t max_bytes_in_flight = int64_t{1} << 30;
  int calls_per_instance = 2;
  std::string log_level = "info";
  // Autoscaling.
  infaas::autoscaler::PolicyKind autoscaler = infaas::autoscaler::PolicyKind::kInfaas;
  int max_workers = 0;
  int worker_cores = 1;
  bool pin_workers = false;
  int scale_period_ms = 1000;
  double scale_time_scale = 1.0;
  std::string log_dir = infaas::cli::LogFolder().string();
  // Registration's profiler processes.
  int profile_time_limit_s = 600;
  int64_t profile_memory_limit_mb = 8192;
  // Access.
  bool require_api_keys = false;
  std::string admin_key_file;
  std::string cluster_secret_file;
  std::vector<std::string> model_source_roots;
  std::vector<std::string> job_roots;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  // Several masters on one store.
  int leader_lease_ms = 4000;
  std::vector<std::string> masters;
  // Where started workers come from.
  infaas::autoscaler::ProvisionerKind provisioner = infaas::autoscaler::ProvisionerKind::kLocal;
  infaas::autoscaler::KubernetesProvisionerOptions kubernetes;
  int kubernetes_stop_grace_s = 30;
};

int Fail(const absl::Status& s) {
  infaas::LogError("master cannot start", {{"error", s.ToString()}});
  std::cerr << "infaas-master: " << s.message() << "\n";
  return 1;
}

int Serve(const Flags& flags, sigset_t* stop_signals) {
  using namespace infaas;
  if (absl::Status s = cli::EnsureDefaultFolders(flags.store, flags.repository); !s.ok()) {
    return Fail(s);
  }
  // Clients name paths only under roots: the operator's, or the home's.
  absl::StatusOr<std::vector<std::string>> model_sources =
      cli::RootsOrDefault(flags.model_source_roots, cli::ModelSourceFolder());
  if (!model_sources.ok()) return Fail(model_sources.status());
  absl::StatusOr<std::vector<std::string>> job_roots =
      cli::RootsOrDefault(flags.job_roots, cli::JobFolder());
  if (!job_roots.ok()) return Fail(job_roots.status());
  absl::StatusOr<std::unique_ptr<master::MasterServer>> master = master::MasterServer::Start(
      {.listen = flags.listen,
       .store_url = flags.store,
       .repository = flags.repository,
       .heartbeat_interval = absl::Milliseconds(flags.heartbeat_ms),
       .dead_after = absl::Milliseconds(flags.dead_after_ms),
       .catalogue_reload = absl::Milliseconds(flags.reload_ms),
       .http_port = flags.http_port,
       .metrics_port = flags.metrics_port,
       .http_max_body_bytes = flags.http_max_body_bytes,
       .http_threads = flags.http_threads,
       .http_max_waiting_connections = flags.http_max_waiting_connections,
       .max_queries_in_flight = flags.max_queries_in_flight,
       .max_bytes_in_flight = flags.max_bytes_in_flight,
       .calls_per_instance = flags.calls_per_instance,
       .autoscaler = flags.autoscaler,
       .max_workers = flags.max_workers,
       .worker_cores = flags.worker_cores,
       .pin_workers = flags.pin_workers,
       .scale_period = absl::Milliseconds(flags.scale_period_ms),
       .scale_time_scale = flags.scale_time_scale,
       .worker_binary = cli::ExecutableFolder() / "infaas-worker",
       .log_dir = flags.log_dir,
       .profiler_binary = cli::ExecutableFolder() / "infaas-profiler",
       .profile_time_limit = absl::Seconds(flags.profile_time_limit_s),
       .profile_memory_limit_bytes = flags.profile_memory_limit_mb << 20,
       .require_api_keys = flags.require_api_keys,
       .admin_key_file = flags.admin_key_file,
       .cluster_secret_file = flags.cluster_secret_file,
       .model_source_roots = {model_sources->begin(), model_sources->end()},
       .job_roots = {job_roots->begin(), job_roots->end()},
       .tls = {.cert = flags.tls_cert, .key = flags.tls_key},
       .tls_ca = flags.tls_ca,
       .leader_lease = absl::Milliseconds(flags.leader_lease_ms),
       .masters = flags.masters,
       .provisioner = flags.provisioner,
       .kubernetes = [&flags] {
         infaas::autoscaler::KubernetesProvisionerOptions k = flags.kubernetes;
         k.stop_grace = absl::Seconds(flags.kubernetes_stop_grace_s);
         return k;
       }()});
  if (!master.ok()) return Fail(master.status());
  // The first line means every port serves.
  std::cout << "infaas-master listening on " << (*master)->grpc_address() << std::endl;
  if (!(*master)->http_address().empty()) {
    std::cout << "infaas-master http listening on " << (*master)->http_address() << std::endl;
  }
  if (!(*master)->metrics_address().empty()) {
    std::cout << "infaas-master metrics listening on " << (*master)->metrics_address() << std::endl;
  }
  LogInfo("master serving",
          {{"address", (*master)->grpc_address()}, {"parts", (*master)->Describe()}});
  int signal = 0;
  sigwait(stop_signals, &signal);
  LogInfo("master stopping", {{"signal", absl::StrCat(signal)}});
  (*master)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app(
      "infaas-master: the INFaaS controller and query front end (infaas.v1 and KServe v2 over "
      "gRPC and HTTP, Prometheus metrics).",
      "infaas-master");
  app.add_option("--listen", flags.listen, "HOST:PORT to serve on (port 0 = any free port)")
      ->capture_default_str();
  app.add_option("--store", flags.store, "sqlite:PATH or redis://HOST:PORT[/DB]")
      ->capture_default_str();
  app.add_option("--repo", flags.repository, "Model repository folder")->capture_default_str();
  app.add_option("--heartbeat-ms", flags.heartbeat_ms, "Heartbeat interval asked of workers")
      ->capture_default_str();
  app.add_option("--dead-after-ms", flags.dead_after_ms, "A worker silent this long is dead")
      ->capture_default_str();
  app.add_option("--reload-ms", flags.reload_ms, "Catalogue reload period")->capture_default_str();
  app.add_option("--http-port", flags.http_port,
                 "HTTP port (KServe v2 + INFaaS REST) on the --listen host; 0: any free port, "
                 "-1: off")
      ->capture_default_str();
  app.add_option("--metrics-port", flags.metrics_port,
                 "Prometheus /metrics port on the --listen host; 0: any free port, -1: off")
      ->capture_default_str();
  app.add_option("--http-max-body-bytes", flags.http_max_body_bytes,
                 "Largest HTTP request body; larger ones get 413")
      ->capture_default_str();
  app.add_option("--http-threads", flags.http_threads, "HTTP requests handled at once")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level, "debug, info, warning, error")
      ->capture_default_str();
  app.add_option("--autoscaler", flags.autoscaler,
                 "scaling policy: infaas (ours), infaas2021, individual, or static (off)")
      ->transform(
          KindFlag("infaas|infaas2021|individual|static", infaas::autoscaler::ParsePolicyKind))
      ->default_str("infaas");
  app.add_option("--max-workers", flags.max_workers,
                 "most live workers; above the ones running, the autoscaler starts "
                 "workers (--provisioner) (0 = never start or stop workers)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--worker-cores", flags.worker_cores, "--cores of each worker it starts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--pin-workers", flags.pin_workers,
               "pin each worker it starts to its own --worker-cores CPUs (the n-th gets CPUs "
               "n*cores onwards, modulo the machine's)");
  app.add_option("--scale-period-ms", flags.scale_period_ms, "how often the autoscaler decides")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--scale-time-scale", flags.scale_time_scale,
                 "multiplies every scaling delay (cool-downs, idle times) of every policy")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--log-dir", flags.log_dir, "folder for the logs of workers it starts")
      ->capture_default_str();
  app.add_option("--http-max-waiting-connections", flags.http_max_waiting_connections,
                 "HTTP connections that may wait for a handler thread; more get 503 with "
                 "Retry-After at once")
      ->capture_default_str();
  app.add_option("--max-queries-in-flight", flags.max_queries_in_flight,
                 "queries the master holds at once (every API); more are refused at once with "
                 "RESOURCE_EXHAUSTED / 429 (0: no bound)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--calls-per-instance", flags.calls_per_instance,
                 "Infer calls in flight per instance of a variant on a worker; past them, small "
                 "queries to it wait to leave together in one call (0: each query its own call)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-bytes-in-flight", flags.max_bytes_in_flight,
                 "bytes of the queries the master holds at once (0: no bound)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--profile-time-limit-s", flags.profile_time_limit_s,
                 "a model being registered is profiled in a child process (per framework and "
                 "thread count), stopped after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--profile-memory-limit-mb", flags.profile_memory_limit_mb,
                 "address space of each profiling process; a model needing more fails its "
                 "registration (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--require-api-keys", flags.require_api_keys,
               "every call but health checks needs an API key (authorization: Bearer KEY); "
               "see docs/security.md");
  app.add_option("--admin-key-file", flags.admin_key_file,
                 "with --require-api-keys: the operator's admin key, made in this file (mode "
                 "0600) if it does not exist");
  app.add_option("--cluster-secret-file", flags.cluster_secret_file,
                 "secret the workers must show (and this master shows them), made in this file "
                 "(mode 0600) if it does not exist; give workers the same file");
  app.add_option("--model-source-root", flags.model_source_roots,
                 "a folder registration may read model files and validation sets from "
                 "(repeatable; symbolic links out of it are refused); default: "
                 "$INFAAS_HOME/sources (made if missing)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--job-root", flags.job_roots,
                 "a folder offline jobs may read inputs from and write results to "
                 "(repeatable); a user key's jobs only its ROOT/tenants/<tenant>; default: "
                 "$INFAAS_HOME/jobs (made if missing)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--tls-cert", flags.tls_cert,
                 "PEM certificate: TLS on the gRPC, HTTP and metrics ports (with --tls-key)");
  app.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-ca", flags.tls_ca,
                 "PEM CA that signed the workers' certificates: dial workers over TLS");
  app.add_option("--leader-lease-ms", flags.leader_lease_ms,
                 "several masters on one store: the leader (autoscaler, provisioner, offline "
                 "jobs) holds a lease this long and renews it 4 times as often; another master "
                 "takes over within about this long after the leader dies")
      ->check(CLI::Range(200, 600000))
      ->capture_default_str();
  app.add_option("--masters", flags.masters,
                 "several masters on one store: every master's HOST:PORT (comma-separated), "
                 "given to the workers this master starts so that they heartbeat to all; "
                 "default: this master alone")
      ->delimiter(',');
  app.add_option("--provisioner", flags.provisioner,
                 "where the workers the autoscaler adds come from (with --max-workers): local "
                 "(infaas-worker processes here) or kubernetes (worker Pods through the "
                 "Kubernetes API, from inside the cluster; deploy/kubernetes)")
      ->transform(KindFlag("local|kubernetes", infaas::autoscaler::ParseProvisionerKind))
      ->default_str("local");
  auto& k = flags.kubernetes;
  app.add_option("--kubernetes-worker-deployment", k.worker_deployment,
                 "kubernetes: the Deployment whose pod template each added worker Pod copies")
      ->capture_default_str();
  app.add_option("--kubernetes-worker-container", k.worker_container,
                 "kubernetes: the worker's container in that template (default: the first)");
  app.add_option("--kubernetes-pod-prefix", k.pod_prefix,
                 "kubernetes: added Pods are named PREFIX-xxxxx (their worker ids)")
      ->capture_default_str();
  app.add_option("--kubernetes-managed-by", k.managed_by,
                 "kubernetes: the infaas.io/managed-by label of added Pods; the same on every "
                 "master, so that a new leader finds its predecessor's Pods")
      ->capture_default_str();
  app.add_option("--kubernetes-fence-configmap", k.fence_config_map,
                 "kubernetes: the ConfigMap holding the leader's fencing token")
      ->capture_default_str();
  app.add_option("--kubernetes-namespace", k.kubernetes_namespace,
                 "kubernetes: namespace of the Pods, Deployment and ConfigMap (default: this "
                 "Pod's own)");
  app.add_option("--kubernetes-stop-grace-s", flags.kubernetes_stop_grace_s,
                 "kubernetes: grace period of a removed worker Pod (it finishes calls in flight)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  infaas::InitLogging("master", infaas::ParseLogLevel(flags.log_level));
  infaas::UseReleaseMutexChecks();

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return Serve(flags, &stop_signals);
}
