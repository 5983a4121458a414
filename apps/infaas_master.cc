// infaas-master: the INFaaS controller and query front end.
//
//   infaas-master --listen 127.0.0.1:50052 --store sqlite:.infaas/infaas.db --repo .infaas/models
//
// Prints "infaas-master listening on HOST:PORT" once serving (port 0 picks a
// free one). SIGTERM or SIGINT stops it gracefully.

#include <grpcpp/server_builder.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "api/infaas_service.h"
#include "cli/local_state.h"
#include "common/logging.h"
#include "controller/load_coordinator.h"
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
  std::string log_level = "info";
};

int Fail(const absl::Status& s) {
  infaas::LogError("master cannot start", {{"error", s.ToString()}});
  std::cerr << "infaas-master: " << s.message() << "\n";
  return 1;
}

int Serve(const Flags& flags, sigset_t* stop_signals) {
  using namespace infaas;
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
  controller::QueryRouter router(
      {&catalogue, &cluster, &clients, &loads, Clock::Real(), (*repo)->root()});
  // Offline jobs call workers over their own connections, apart from online queries.
  controller::WorkerClients offline_clients(/*own_connections=*/true);
  auto jobs = offline::JobRunner::Start({store->get(), &catalogue, &cluster, &offline_clients,
                                         &loads, Clock::Real(), (*repo)->root()});
  if (!jobs.ok()) return Fail(jobs.status());
  api::InfaasService service(
      {store->get(), repo->get(), &catalogue, &cluster, &router, Clock::Real(), {}, jobs->get()});
  api::MasterControlService control(&cluster, Clock::Real(),
                                    absl::Milliseconds(flags.heartbeat_ms));

  int port = 0;
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would
  // silently share its traffic. Fail to bind instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  builder.RegisterService(&control);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on ", flags.listen, "; is another master running there?")));
  }
  const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  std::cout << "infaas-master listening on " << host << ":" << port << std::endl;
  LogInfo("master serving", {{"address", absl::StrCat(host, ":", port)},
                             {"store", (*store)->Describe()},
                             {"repository", (*repo)->Describe()},
                             {"variants", absl::StrCat(catalogue.Get()->variants.size())}});

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
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  (*jobs)->Stop();  // unfinished jobs resume at the next start
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("infaas-master: the INFaaS controller and query front end (infaas.v1 gRPC).",
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
  app.add_option("--log-level", flags.log_level, "debug, info, warning, error")
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
