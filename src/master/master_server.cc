#include "master/master_server.h"

#include <grpcpp/server_builder.h>

#include <unistd.h>

#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/secret_file.h"
#include "common/status_macros.h"
#include "dashboard/dashboard_routes.h"
#include "http/infaas_routes.h"
#include "http/kserve_routes.h"
#include "profiler/child_profiler.h"
#include "profiler/registrar.h"

namespace infaas::master {
namespace {

std::string HostOf(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

// This master among those sharing the store: host name, pid and a random
// part (pids repeat across containers).
std::string LeaseHolderName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "master");
  }
  std::random_device random;
  return absl::StrCat(host, "/", ::getpid(), "/", absl::Hex(random() & 0xffff, absl::kZeroPad4));
}

// The master's own address as workers on this machine should dial it.
std::string DialAddress(const std::string& listen, int port) {
  std::string host = HostOf(listen);
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  return absl::StrCat(host, ":", port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MasterServer>> MasterServer::Start(MasterOptions options) {
  std::unique_ptr<MasterServer> master(new MasterServer(std::move(options)));
  RETURN_IF_ERROR(master->Init());
  return master;
}

absl::Status MasterServer::Init() {
  ASSIGN_OR_RETURN(PathRoots model_sources,
                   PathRoots::Create(options_.model_source_roots, "--model-source-root"));
  ASSIGN_OR_RETURN(PathRoots job_roots, PathRoots::Create(options_.job_roots, "--job-root"));
  RETURN_IF_ERROR(BuildControl());
  RETURN_IF_ERROR(BuildAccess());
  RETURN_IF_ERROR(BuildAutoscaler());
  RETURN_IF_ERROR(BuildRouting());
  ASSIGN_OR_RETURN(jobs_, offline::JobRunner::Start({.store = store_.get(),
                                                     .catalogue = catalogue_.get(),
                                                     .cluster = cluster_.get(),
                                                     .workers = offline_port_.get(),
                                                     .loads = loads_.get(),
                                                     .clock = Clock::Real(),
                                                     .load_requests = autoscaler_.get(),
                                                     .job_roots = std::move(job_roots),
                                                     .lease = lease_.get()}));
  profiler::RegistrationOptions registration;
  if (!options_.profiler_binary.empty()) {
    registration.measure =
        profiler::ChildProcessMeasurer({.binary = options_.profiler_binary,
                                        .time_limit = options_.profile_time_limit,
                                        .memory_limit_bytes = options_.profile_memory_limit_bytes});
  }
  service_ = std::make_unique<api::InfaasService>(
      api::InfaasService::Dependencies{.store = store_.get(),
                                       .repository = repository_.get(),
                                       .catalogue = catalogue_.get(),
                                       .cluster = cluster_.get(),
                                       .router = router_.get(),
                                       .clock = Clock::Real(),
                                       .registration = std::move(registration),
                                       .autoscaler = autoscaler_.get(),
                                       .jobs = jobs_.get(),
                                       .metrics = serving_metrics_.get(),
                                       .service_levels = service_levels_.get(),
                                       .authenticator = authenticator_.get(),
                                       .model_sources = std::move(model_sources),
                                       .lease = lease_.get()});
  control_ = std::make_unique<api::MasterControlService>(cluster_.get(), Clock::Real(),
                                                         options_.heartbeat_interval,
                                                         serving_metrics_.get(), cluster_secret_);
  access_ = std::make_unique<api::AccessService>(authenticator_.get(), quotas_.get(), store_.get());
  RETURN_IF_ERROR(Serve());
  StartBackground();
  return absl::OkStatus();
}

absl::Status MasterServer::BuildAccess() {
  if (options_.require_api_keys) {
    authenticator_ = std::make_unique<auth::Authenticator>(
        store_.get(), Clock::Real(), auth::Authenticator::Options{.required = true});
    RETURN_IF_ERROR(authenticator_->Reload());
    if (!options_.admin_key_file.empty()) {
      RETURN_IF_ERROR(authenticator_->EnsureKeyFile(options_.admin_key_file, "operator").status());
    }
  }
  return api::ReloadQuotas(*store_, *quotas_);
}

absl::Status MasterServer::BuildControl() {
  ASSIGN_OR_RETURN(store_, store::OpenMetadataStore(options_.store_url));
  ASSIGN_OR_RETURN(lease_, store::LeaderLease::Start(store_.get(),
                                                     {.holder = LeaseHolderName(),
                                                      .ttl = options_.leader_lease,
                                                      .renew_every = options_.leader_lease / 4,
                                                      .safety_margin = options_.leader_lease / 8}));
  if (!options_.cluster_secret_file.empty()) {
    ASSIGN_OR_RETURN(cluster_secret_, EnsureSecretFile(options_.cluster_secret_file));
  }
  quotas_ = std::make_unique<auth::TenantQuotas>(Clock::Real());
  in_flight_ = std::make_unique<controller::InFlightLimit>(controller::InFlightLimit::Options{
      .max_queries = options_.max_queries_in_flight, .max_bytes = options_.max_bytes_in_flight});
  ASSIGN_OR_RETURN(repository_, repository::LocalModelRepository::Open(options_.repository));
  // Records from before labels were kept in them get theirs once, here,
  // so that no query reads a label file.
  ASSIGN_OR_RETURN(const int labelled, profiler::FillMissingLabels(*store_, repository_->root()));
  if (labelled > 0)
    LogInfo("labels copied into variant records", {{"variants", absl::StrCat(labelled)}});
  catalogue_ = std::make_unique<controller::CatalogueView>(store_.get());
  RETURN_IF_ERROR(catalogue_->Reload());
  cluster_ = std::make_unique<controller::ClusterView>(options_.dead_after, absl::Seconds(1),
                                                       controller::kHeartbeatRefresh);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> to_workers,
                   ChannelCredentialsFor(options_.tls_ca));
  clients_ = std::make_unique<controller::WorkerClients>(/*own_connections=*/false, cluster_secret_,
                                                         to_workers);
  // Offline jobs call workers over their own connections, apart from online queries.
  offline_clients_ = std::make_unique<controller::WorkerClients>(/*own_connections=*/true,
                                                                 cluster_secret_, to_workers);
  worker_port_ = std::make_unique<controller::GrpcWorkerPort>(clients_.get());
  offline_port_ = std::make_unique<controller::GrpcWorkerPort>(offline_clients_.get());
  loads_ = std::make_unique<controller::LoadCoordinator>(worker_port_.get(), cluster_.get());
  registry_ = std::make_unique<metrics::MetricsRegistry>();
  serving_metrics_ = std::make_unique<controller::ServingMetrics>(registry_.get(), cluster_.get(),
                                                                  catalogue_.get(), Clock::Real());
  demand_ = std::make_unique<controller::DemandTracker>(Clock::Real());
  shared_demand_ = std::make_unique<controller::SharedDemand>(
      demand_.get(), store_.get(), lease_->holder(), 3 * options_.scale_period);
  service_levels_ =
      std::make_unique<controller::ServiceLevelHistory>(catalogue_.get(), Clock::Real());
  observers_ = std::make_unique<controller::QueryObservers>(std::vector<controller::QueryObserver*>{
      serving_metrics_.get(), demand_.get(), service_levels_.get()});
  return absl::OkStatus();
}

absl::Status MasterServer::BuildRouting() {
  router_ = std::make_unique<controller::QueryRouter>(
      controller::QueryRouter::Dependencies{
          .catalogue = catalogue_.get(),
          .cluster = cluster_.get(),
          .workers = worker_port_.get(),
          .loads = loads_.get(),
          .clock = Clock::Real(),
          // The policy owns placement: the selector's recommended loads go to it.
          .load_requests = autoscaler_.get(),
          .observer = observers_.get(),
          .quotas = quotas_.get(),
          .in_flight = in_flight_.get()},
      controller::SelectorOptions{.explain = false},
      controller::CallCoalescer::Options{.calls_per_instance = options_.calls_per_instance});
  frontend_ = std::make_unique<kserve::InferenceFrontend>(
      kserve::InferenceFrontend::Dependencies{catalogue_.get(), cluster_.get(), router_.get(),
                                              loads_.get(), serving_metrics_.get(), Clock::Real()});
  return absl::OkStatus();
}

absl::Status MasterServer::BuildAutoscaler() {
  std::unique_ptr<autoscaler::ScalingPolicy> policy =
      autoscaler::MakeScalingPolicy(options_.autoscaler, {.time_scale = options_.scale_time_scale});
  controller::ServingMetrics* metrics = serving_metrics_.get();
  controller::CatalogueView* catalogue = catalogue_.get();
  autoscaler_ = std::make_unique<autoscaler::Autoscaler>(
      autoscaler::Autoscaler::Dependencies{
          .catalogue = catalogue_.get(),
          .cluster = cluster_.get(),
          .demand = shared_demand_.get(),  // every master's
          .loads = loads_.get(),
          .provisioner = nullptr,  // once the port is known
          .clock = Clock::Real(),
          .on_action =
              [metrics](const autoscaler::ScalingAction& action) {
                metrics->autoscaler_actions()
                    .With({autoscaler::KindName(action.kind), action.variant})
                    .Increment();
              },
          .pinned =
              [catalogue](const std::string& variant) { return catalogue->IsPinned(variant); },
          .leadership = lease_.get(),
          .new_policy =
              [kind = options_.autoscaler, time_scale = options_.scale_time_scale] {
                return autoscaler::MakeScalingPolicy(kind, {.time_scale = time_scale});
              }},
      std::move(policy),
      autoscaler::Autoscaler::Options{.period = options_.scale_period,
                                      .max_workers = options_.max_workers});
  return absl::OkStatus();
}

absl::Status MasterServer::Serve() {
  kserve_service_ = std::make_unique<api::KServeGrpcService>(frontend_.get(), authenticator_.get());
  int port = 0;
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would
  // silently share its traffic. Fail to bind instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   ServerCredentialsFor(options_.tls));
  builder.AddListeningPort(options_.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(service_.get());
  builder.RegisterService(control_.get());
  builder.RegisterService(kserve_service_.get());
  builder.RegisterService(access_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen, "; is another master running there?"));
  }
  const std::string host = HostOf(options_.listen);
  grpc_address_ = absl::StrCat(host, ":", port);
  http_server_ = std::make_unique<http::HttpServer>(http::HttpServerOptions{
      .max_body_bytes = options_.http_max_body_bytes,
      .threads = options_.http_threads,
      .max_waiting_connections = options_.http_max_waiting_connections,
      .tls = options_.tls,
      .authenticator = authenticator_.get(),
      .public_paths = {"/v2/health/live", "/v2/health/ready", "/ui", "/ui/"}});
  http::AddKServeRoutes(http_server_->routes(), frontend_.get(), authenticator_.get());
  http::AddInfaasRoutes(http_server_->routes(),
                        v1::Infaas::NewStub(server_->InProcessChannel(grpc::ChannelArguments())));
  dashboard::AddDashboardRoutes(http_server_->routes());
  metrics_server_ = std::make_unique<http::HttpServer>(
      http::HttpServerOptions{.max_body_bytes = 1 << 20,
                              .threads = 2,
                              .tls = options_.tls,
                              .authenticator = authenticator_.get(),
                              .public_paths = {"/v2/health/live", "/v2/health/ready"}});
  http::AddMetricsRoute(metrics_server_->routes(), registry_.get(), authenticator_.get());
  http::AddHealthRoutes(metrics_server_->routes(), frontend_.get());
  for (auto [listener, wanted, address] :
       {std::tuple(http_server_.get(), options_.http_port, &http_address_),
        std::tuple(metrics_server_.get(), options_.metrics_port, &metrics_address_)}) {
    if (wanted < 0) continue;
    ASSIGN_OR_RETURN(int bound, listener->Start(host, wanted));
    *address = absl::StrCat(host, ":", bound);
  }
  if (autoscaler_ != nullptr && options_.max_workers > 0) {
    ASSIGN_OR_RETURN(provisioner_, MakeProvisioner(port));
    autoscaler_->SetProvisioner(provisioner_.get());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<autoscaler::Provisioner>> MasterServer::MakeProvisioner(int port) {
  if (options_.provisioner == autoscaler::ProvisionerKind::kKubernetes) {
    autoscaler::KubernetesProvisionerOptions kubernetes = options_.kubernetes;
    kubernetes.max_workers = options_.max_workers;
    kubernetes.fencing_token = [lease = lease_.get()] { return lease->Token(); };
    ASSIGN_OR_RETURN(std::unique_ptr<autoscaler::KubernetesProvisioner> provisioner,
                     autoscaler::KubernetesProvisioner::Create(std::move(kubernetes)));
    return std::unique_ptr<autoscaler::Provisioner>(std::move(provisioner));
  }
  return std::unique_ptr<autoscaler::Provisioner>(
      std::make_unique<autoscaler::LocalProvisioner>(autoscaler::LocalProvisionerOptions{
          .worker_binary = options_.worker_binary,
          .master_address = options_.masters.empty() ? DialAddress(options_.listen, port)
                                                     : absl::StrJoin(options_.masters, ","),
          .repository = repository_->root().string(),
          .log_dir = options_.log_dir,
          .cores_per_worker = options_.worker_cores,
          .pin_cpus = options_.pin_workers,
          .heartbeat_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.heartbeat_interval)),
          .cluster_secret_file = options_.cluster_secret_file,
          .tls = options_.tls,
          .tls_ca = options_.tls_ca,
          .max_workers = options_.max_workers}));
}

void MasterServer::StartBackground() {
  if (autoscaler_ != nullptr) autoscaler_->Start();
  // The leader's autoscaler scales on every master's demand.
  reporter_ = std::thread([this] {
    do {
      if (absl::Status s = shared_demand_->Publish(); !s.ok()) {
        LogWarning("demand not reported to the other masters", {{"error", s.ToString()}});
      }
    } while (!stopping_.WaitForNotificationWithTimeout(options_.scale_period));
  });
  // Reload the catalogue now and then: other masters may share the store.
  reloader_ = std::thread([this] {
    while (!stopping_.WaitForNotificationWithTimeout(options_.catalogue_reload)) {
      if (absl::Status s = catalogue_->Reload(); !s.ok()) {
        LogWarning("catalogue reload failed", {{"error", s.ToString()}});
      }
      // Keys revoked and quotas set through other masters sharing the store.
      if (authenticator_ != nullptr) {
        if (absl::Status s = authenticator_->Reload(); !s.ok()) {
          LogWarning("API key reload failed", {{"error", s.ToString()}});
        }
      }
      if (absl::Status s = api::ReloadQuotas(*store_, *quotas_); !s.ok()) {
        LogWarning("quota reload failed", {{"error", s.ToString()}});
      }
    }
  });
}

std::string MasterServer::Describe() const {
  return absl::StrCat(
      "store=", store_->Describe(), " repository=", repository_->Describe(),
      " variants=", catalogue_->Get()->variants.size(), " master=", lease_->holder(),
      " leader=", lease_->Token().has_value() ? "this master" : lease_->LastHolder());
}

MasterServer::~MasterServer() { Shutdown(); }

void MasterServer::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  stopping_.Notify();
  if (reloader_.joinable()) reloader_.join();
  if (reporter_.joinable()) reporter_.join();
  if (autoscaler_ != nullptr) autoscaler_->Stop();
  if (http_server_ != nullptr) http_server_->Stop();
  if (metrics_server_ != nullptr) metrics_server_->Stop();
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  if (jobs_ != nullptr) jobs_->Stop();  // unfinished jobs resume at the next start
  // Hands the lease over now rather than after its ttl.
  if (lease_ != nullptr) lease_->Stop();
  // The autoscaler before the workers the provisioner started: stopped, it
  // calls the provisioner no more (the router, destroyed first, may still
  // hand it load requests, which it keeps).
  if (autoscaler_ != nullptr) autoscaler_->Stop();
  provisioner_.reset();
}

}  // namespace infaas::master
