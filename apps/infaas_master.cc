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

#include <grpcpp/server_builder.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "api/infaas_service.h"
#include "api/kserve_grpc_service.h"
#include "autoscaler/autoscaler.h"
#include "autoscaler/local_provisioner.h"
#include "cli/local_state.h"
#include "common/logging.h"
#include "controller/load_coordinator.h"
#include "controller/serving_metrics.h"
#include "http/http_server.h"
#include "http/infaas_routes.h"
#include "http/kserve_routes.h"
#include "kserve/frontend.h"
#include "offline/job_runner.h"
#include "repository/local_model_repository.h"

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
  std::string log_level = "info";
  // Autoscaling.
  std::string autoscaler = "infaas";
  int max_workers = 0;
  int worker_cores = 1;
  int scale_period_ms = 1000;
  double scale_time_scale = 1.0;
  std::string log_dir = infaas::cli::LogFolder().string();
};

int Fail(const absl::Status& s) {
  infaas::LogError("master cannot start", {{"error", s.ToString()}});
  std::cerr << "infaas-master: " << s.message() << "\n";
  return 1;
}

// The master's own address as workers should dial it.
std::string DialAddress(const std::string& listen, int port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  return absl::StrCat(host, ":", port);
}

int Serve(const Flags& flags, sigset_t* stop_signals) {
  using namespace infaas;
  auto policy =
      autoscaler::MakeScalingPolicy(flags.autoscaler, {.time_scale = flags.scale_time_scale});
  if (!policy.ok()) return Fail(policy.status());
  if (absl::Status s = cli::EnsureDefaultFolders(flags.store, flags.repository); !s.ok())
    return Fail(s);
  auto store = store::OpenMetadataStore(flags.store);
  if (!store.ok()) return Fail(store.status());
  auto repo = repository::LocalModelRepository::Open(flags.repository);
  if (!repo.ok()) return Fail(repo.status());

  controller::CatalogueView catalogue(store->get());
  if (absl::Status s = catalogue.Reload(); !s.ok()) return Fail(s);
  controller::ClusterView cluster(absl::Milliseconds(flags.dead_after_ms));
  controller::WorkerClients clients;
  controller::LoadCoordinator loads(&clients, &cluster);
  metrics::MetricsRegistry registry;
  controller::ServingMetrics serving_metrics(&registry, &cluster, &catalogue, Clock::Real());
  controller::DemandTracker demand(Clock::Real());
  controller::QueryObservers observers({&serving_metrics, &demand});
  controller::QueryRouter router(
      {&catalogue, &cluster, &clients, &loads, Clock::Real(), (*repo)->root(), &observers});
  kserve::InferenceFrontend frontend(
      {&catalogue, &cluster, &router, &loads, &clients, &serving_metrics, Clock::Real()});
  api::KServeGrpcService kserve_service(&frontend, Clock::Real());
  // The provisioner and the autoscaler start once the port is known.
  std::unique_ptr<autoscaler::LocalProvisioner> provisioner;
  std::unique_ptr<autoscaler::Autoscaler> scaler;
  const bool scaling = flags.autoscaler != "static";
  if (scaling) {
    scaler = std::make_unique<autoscaler::Autoscaler>(
        autoscaler::Autoscaler::Dependencies{
            .catalogue = &catalogue,
            .cluster = &cluster,
            .demand = &demand,
            .clients = &clients,
            .loads = &loads,
            .provisioner = nullptr,
            .clock = Clock::Real(),
            .on_action =
                [&serving_metrics](const autoscaler::ScalingAction& action) {
                  serving_metrics.autoscaler_actions()
                      .With({autoscaler::KindName(action.kind), action.variant})
                      .Increment();
                },
            .pinned =
                [&frontend](const std::string& variant) { return frontend.IsPinned(variant); }},
        *std::move(policy),
        autoscaler::Autoscaler::Options{.period = absl::Milliseconds(flags.scale_period_ms),
                                        .max_workers = flags.max_workers});
  }
  // Offline jobs call workers over their own connections, apart from online queries.
  controller::WorkerClients offline_clients(/*own_connections=*/true);
  auto jobs = offline::JobRunner::Start({store->get(), &catalogue, &cluster, &offline_clients,
                                         &loads, Clock::Real(), (*repo)->root()});
  if (!jobs.ok()) return Fail(jobs.status());
  api::InfaasService service({store->get(),
                              repo->get(),
                              &catalogue,
                              &cluster,
                              &router,
                              Clock::Real(),
                              {},
                              scaler.get(),
                              jobs->get()});
  api::MasterControlService control(&cluster, Clock::Real(), absl::Milliseconds(flags.heartbeat_ms),
                                    &serving_metrics);

  int port = 0;
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would
  // silently share its traffic. Fail to bind instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  builder.RegisterService(&control);
  builder.RegisterService(&kserve_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on ", flags.listen, "; is another master running there?")));
  }
  const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  // HTTP and metrics: bound before anything is printed, so that the first
  // line means every port serves.
  http::HttpServer http_server({flags.http_max_body_bytes, flags.http_threads});
  http::AddKServeRoutes(http_server.routes(), &frontend);
  http::AddInfaasRoutes(http_server.routes(),
                        v1::Infaas::NewStub(server->InProcessChannel(grpc::ChannelArguments())));
  http::HttpServer metrics_server({.max_body_bytes = 1 << 20, .threads = 2});
  http::AddMetricsRoute(metrics_server.routes(), &registry);
  std::vector<std::string> extra_lines;
  for (auto [name, server_port, listener] :
       {std::tuple("http", flags.http_port, &http_server),
        std::tuple("metrics", flags.metrics_port, &metrics_server)}) {
    if (server_port < 0) continue;
    absl::StatusOr<int> bound = listener->Start(host, server_port);
    if (!bound.ok()) return Fail(bound.status());
    extra_lines.push_back(
        absl::StrCat("infaas-master ", name, " listening on ", host, ":", *bound));
  }
  std::cout << "infaas-master listening on " << host << ":" << port << std::endl;
  for (const std::string& line : extra_lines) std::cout << line << std::endl;
  LogInfo("master serving", {{"address", absl::StrCat(host, ":", port)},
                             {"store", (*store)->Describe()},
                             {"repository", (*repo)->Describe()},
                             {"variants", absl::StrCat(catalogue.Get()->variants.size())}});

  if (scaling && flags.max_workers > 0) {
    provisioner =
        std::make_unique<autoscaler::LocalProvisioner>(autoscaler::LocalProvisionerOptions{
            .worker_binary = cli::ExecutableFolder() / "infaas-worker",
            .master_address = DialAddress(flags.listen, port),
            .repository = (*repo)->root().string(),
            .log_dir = flags.log_dir,
            .cores_per_worker = flags.worker_cores,
            .heartbeat_ms = flags.heartbeat_ms,
            .max_workers = flags.max_workers});
    scaler->SetProvisioner(provisioner.get());
  }
  if (scaler != nullptr) scaler->Start();

  // Reload the catalogue now and then: other masters may share the store.
  absl::Notification stopping;
  std::thread reloader([&] {
    while (!stopping.WaitForNotificationWithTimeout(absl::Milliseconds(flags.reload_ms))) {
      if (absl::Status s = catalogue.Reload(); !s.ok()) {
        LogWarning("catalogue reload failed", {{"error", s.ToString()}});
      }
    }
  });
  int signal = 0;
  sigwait(stop_signals, &signal);
  LogInfo("master stopping", {{"signal", absl::StrCat(signal)}});
  stopping.Notify();
  reloader.join();
  if (scaler != nullptr) scaler->Stop();
  http_server.Stop();
  metrics_server.Stop();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  (*jobs)->Stop();  // unfinished jobs resume at the next start
  // ~LocalProvisioner stops the workers it started; ~Autoscaler first.
  scaler.reset();
  provisioner.reset();
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
      ->capture_default_str();
  app.add_option("--max-workers", flags.max_workers,
                 "most live workers; above the ones running, the autoscaler starts "
                 "infaas-worker processes here (0 = never start or stop workers)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--worker-cores", flags.worker_cores, "--cores of each worker it starts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--scale-period-ms", flags.scale_period_ms, "how often the autoscaler decides")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--scale-time-scale", flags.scale_time_scale,
                 "multiplies every scaling delay (cool-downs, idle times) of every policy")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--log-dir", flags.log_dir, "folder for the logs of workers it starts")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  infaas::InitLogging("master", infaas::ParseLogLevel(flags.log_level));

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return Serve(flags, &stop_signals);
}
