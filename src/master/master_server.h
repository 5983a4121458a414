#pragma once

// MasterServer: the infaas-master process's parts wired together — the
// store, repository and catalogue; the cluster view, router and selector;
// metrics and demand tracking; the autoscaler and its local provisioner;
// the offline job runner; and the servers: gRPC (infaas.v1, KServe v2,
// heartbeats), HTTP (KServe v2 REST, /v1 REST) and /metrics.
//
//   ASSIGN_OR_RETURN(auto master, MasterServer::Start(options));
//   std::cout << "infaas-master listening on " << master->grpc_address();
//   ... wait for SIGTERM ...
//   master->Shutdown();
//
// Start returns once every port serves. Shutdown stops, in order: the
// catalogue reloader, the autoscaler, HTTP, gRPC (calls in flight get 5 s),
// the offline jobs (they resume at the next start, or on the next leader),
// the leader lease (released: another master takes over at once), then the
// workers the provisioner started. Thread-safe; owned by main.

#include <grpcpp/server.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "api/access_service.h"
#include "api/infaas_service.h"
#include "api/kserve_grpc_service.h"
#include "autoscaler/autoscaler.h"
#include "autoscaler/kubernetes_provisioner.h"
#include "autoscaler/local_provisioner.h"
#include "common/tls.h"
#include "controller/demand_tracker.h"
#include "controller/grpc_worker_port.h"
#include "controller/load_coordinator.h"
#include "controller/query_router.h"
#include "controller/service_level_history.h"
#include "controller/serving_metrics.h"
#include "controller/shared_demand.h"
#include "http/http_server.h"
#include "kserve/frontend.h"
#include "metrics/registry.h"
#include "offline/job_runner.h"
#include "repository/local_model_repository.h"
#include "store/leader_lease.h"
#include "store/metadata_store.h"

namespace infaas::master {

struct MasterOptions {
  // gRPC HOST:PORT; port 0 picks a free one.
  std::string listen = "127.0.0.1:50052";
  std::string store_url{};
  std::string repository{};
  absl::Duration heartbeat_interval = absl::Milliseconds(500);
  absl::Duration dead_after = absl::Seconds(2);
  absl::Duration catalogue_reload = absl::Seconds(5);
  // On the --listen host; 0 picks a free port, -1 turns it off.
  int http_port = 8000;
  int metrics_port = 8002;
  size_t http_max_body_bytes = size_t{64} << 20;
  int http_threads = 16;
  size_t http_max_waiting_connections = 64;  // past the threads; more get 503
  // Queries (every API) the master holds at once, and their request bytes;
  // more are refused at once (controller/in_flight_limit.h). 0: no bound.
  int64_t max_queries_in_flight = 4096;
  int64_t max_bytes_in_flight = int64_t{1} << 30;
  // Calls in flight per instance of a variant on a worker before small
  // queries wait to share one call (controller/call_coalescer.h); 0: never.
  int calls_per_instance = 2;
  // Autoscaling: the policy (kStatic turns it off), the most live workers
  // (0: never start or stop one), what a started worker offers.
  autoscaler::PolicyKind autoscaler = autoscaler::PolicyKind::kInfaas;
  int max_workers = 0;
  int worker_cores = 1;
  // Pin each started worker to its own CPUs (LocalProvisionerOptions::pin_cpus).
  bool pin_workers = false;
  absl::Duration scale_period = absl::Seconds(1);
  double scale_time_scale = 1.0;
  // The infaas-worker binary the provisioner starts, and its logs' folder.
  std::filesystem::path worker_binary{};
  std::filesystem::path log_dir{};
  // Models being registered are profiled in infaas-profiler child
  // processes with these limits (profiler/child_profiler.h); an empty
  // binary profiles in this process (tests of the layers above).
  std::filesystem::path profiler_binary{};
  absl::Duration profile_time_limit = absl::Minutes(10);
  int64_t profile_memory_limit_bytes = int64_t{8} << 30;
  // Who may call (docs/security.md). With require_api_keys every route but
  // health needs a key; admin_key_file (when set) holds the operator's admin
  // key, made there (mode 0600) if absent. cluster_secret_file (when set)
  // holds the secret workers and this master must show each other.
  bool require_api_keys = false;
  std::filesystem::path admin_key_file{};
  std::filesystem::path cluster_secret_file{};
  // Folders registration may read (model files, validation sets) and
  // offline jobs may read and write; empty: anywhere (common/path_roots.h).
  std::vector<std::filesystem::path> model_source_roots{};
  std::vector<std::filesystem::path> job_roots{};
  // TLS on the gRPC, HTTP and metrics listeners when set; tls_ca (when
  // set) is what the workers' certificates are checked against, and is
  // passed to the workers the provisioner starts with the same pair.
  TlsFiles tls{};
  std::filesystem::path tls_ca{};
  // Several masters on one store (docs/deployment.md). Every master answers
  // queries; the one holding the leader lease (this long; a successor takes
  // over within about that) runs the autoscaler, the provisioner and the
  // offline jobs. `masters`: every master's address, given to the workers
  // this master's provisioner starts (default: this master alone).
  absl::Duration leader_lease = absl::Seconds(4);
  std::vector<std::string> masters{};
  // How the autoscaler gets workers (with max_workers > 0): kLocal
  // (infaas-worker processes on this machine) or kKubernetes (worker Pods
  // through the Kubernetes API, from inside the cluster; `kubernetes` says
  // which Deployment's template, namespace, fence ConfigMap; its
  // max_workers and fencing token are set from the fields above).
  autoscaler::ProvisionerKind provisioner = autoscaler::ProvisionerKind::kLocal;
  autoscaler::KubernetesProvisionerOptions kubernetes{};
};

class MasterServer {
 public:
  // The store's,
  // repository's, catalogue's or provisioner's error; Unavailable when a
  // port is taken.
  static absl::StatusOr<std::unique_ptr<MasterServer>> Start(MasterOptions options);

  ~MasterServer();  // Shutdown()s
  MasterServer(const MasterServer&) = delete;
  MasterServer& operator=(const MasterServer&) = delete;

  // Idempotent.
  void Shutdown();

  // HOST:PORT each listens on; empty for HTTP or metrics when off.
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& http_address() const { return http_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  // "sqlite:…", "file://…" and the variants registered, for the start log.
  std::string Describe() const;

 private:
  explicit MasterServer(MasterOptions options) : options_(std::move(options)) {}
  absl::Status Init();
  absl::Status BuildAccess();
  absl::Status BuildControl();
  absl::Status BuildAutoscaler();
  absl::Status BuildRouting();
  absl::Status Serve();
  // The provisioner --provisioner names; `port` is this master's gRPC port.
  absl::StatusOr<std::unique_ptr<autoscaler::Provisioner>> MakeProvisioner(int port);
  void StartBackground();

  const MasterOptions options_;
  // Declared in the order they are built; destroyed in reverse.
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<store::LeaderLease> lease_;
  std::unique_ptr<auth::Authenticator> authenticator_;  // null: authentication off
  std::unique_ptr<auth::TenantQuotas> quotas_;
  std::unique_ptr<controller::InFlightLimit> in_flight_;
  std::string cluster_secret_;
  std::unique_ptr<repository::LocalModelRepository> repository_;
  std::unique_ptr<controller::CatalogueView> catalogue_;
  std::unique_ptr<controller::ClusterView> cluster_;
  std::unique_ptr<controller::WorkerClients> clients_;
  std::unique_ptr<controller::WorkerClients> offline_clients_;
  std::unique_ptr<controller::GrpcWorkerPort> worker_port_;
  std::unique_ptr<controller::GrpcWorkerPort> offline_port_;  // the job runner's
  std::unique_ptr<controller::LoadCoordinator> loads_;
  std::unique_ptr<metrics::MetricsRegistry> registry_;
  std::unique_ptr<controller::ServingMetrics> serving_metrics_;
  std::unique_ptr<controller::DemandTracker> demand_;
  std::unique_ptr<controller::SharedDemand> shared_demand_;
  std::unique_ptr<controller::ServiceLevelHistory> service_levels_;
  std::unique_ptr<controller::QueryObservers> observers_;
  std::unique_ptr<autoscaler::Provisioner> provisioner_;  // outlives the autoscaler
  std::unique_ptr<autoscaler::Autoscaler> autoscaler_;    // outlives the router
  std::unique_ptr<controller::QueryRouter> router_;
  std::unique_ptr<kserve::InferenceFrontend> frontend_;
  std::unique_ptr<api::KServeGrpcService> kserve_service_;
  std::unique_ptr<offline::JobRunner> jobs_;
  std::unique_ptr<api::InfaasService> service_;
  std::unique_ptr<api::MasterControlService> control_;
  std::unique_ptr<api::AccessService> access_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<http::HttpServer> http_server_;
  std::unique_ptr<http::HttpServer> metrics_server_;
  std::string grpc_address_, http_address_, metrics_address_;
  absl::Notification stopping_;
  std::thread reloader_;
  std::thread reporter_;  // this master's demand, to the store, every scale period
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace infaas::master
