#include "worker/worker_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::worker {
namespace {

// Images are small, but raw float32 batches of large inputs are not.
constexpr int kMaxMessageBytes = 64 << 20;

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string AdvertisedHost(const std::string& listen_host) {
  if (listen_host == "0.0.0.0" || listen_host == "[::]" || listen_host == "::") return HostName();
  return listen_host;
}

}  // namespace

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", address, "\" is not HOST:PORT (e.g. 127.0.0.1:0)"));
  }
  return std::make_pair(std::string(address.substr(0, colon)), port);
}

absl::StatusOr<std::unique_ptr<WorkerServer>> WorkerServer::Create(Options options) {
  ASSIGN_OR_RETURN(auto host_port, SplitHostPort(options.listen_address));
  std::unique_ptr<WorkerServer> server(new WorkerServer());
  ASSIGN_OR_RETURN(server->variants_,
                   LoadedVariants::Create({.worker_id = options.worker_id,
                                           .repository_root = options.repository_root,
                                           .loader = std::move(options.loader)}));
  server->service_ =
      std::make_unique<WorkerServiceImpl>(server->variants_.get(), options.cluster_secret);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would
  // silently share its traffic. Fail to bind instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   ServerCredentialsFor(options.tls));
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // Masters ping their connections every second to notice a worker cut off
  // (controller/worker_clients.cc); let them, with or without calls.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 500);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("worker ", options.worker_id, " cannot listen on ",
                                               options.listen_address,
                                               "; is the port in use or the host not local?"));
  }
  server->listen_address_ = absl::StrCat(host_port.first, ":", server->port_);
  server->advertise_address_ =
      options.advertise_address.empty()
          ? absl::StrCat(AdvertisedHost(host_port.first), ":", server->port_)
          : options.advertise_address;
  // Every master beside the leader answers queries, so each must hear
  // every worker: one heartbeat thread per master, none waiting on another
  // (a master cut off costs its own beats only).
  for (const std::string& master : options.masters) {
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> to_master,
                     ChannelCredentialsFor(options.tls_ca));
    ASSIGN_OR_RETURN(std::unique_ptr<Heartbeater> heartbeater,
                     Heartbeater::Create({.worker_id = options.worker_id,
                                          .worker_address = server->advertise_address_,
                                          .master_address = master,
                                          .cores = options.cores,
                                          .interval = options.heartbeat_interval,
                                          .cluster_secret = options.cluster_secret,
                                          .credentials = to_master},
                                         server->variants_.get()));
    server->heartbeaters_.push_back(std::move(heartbeater));
  }
  LogInfo("worker serving", {{"worker", options.worker_id},
                             {"address", server->listen_address_},
                             {"masters", absl::StrJoin(options.masters, ",")}});
  return server;
}

WorkerServer::~WorkerServer() { Shutdown(); }

void WorkerServer::Shutdown(absl::Duration grace) {
  // Held throughout on purpose: a second caller waits until the worker has
  // stopped. Nothing below takes this lock.
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_ || variants_ == nullptr) return;
  shut_down_ = true;
  for (const std::unique_ptr<Heartbeater>& heartbeater : heartbeaters_) heartbeater->Stop();
  if (server_ != nullptr) {
    // Waits until every call has finished; queued queries still run, since
    // the instances keep serving until UnloadAll below.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
  variants_->UnloadAll();
  LogInfo("worker stopped", {{"worker", variants_->worker_id()}});
}

}  // namespace infaas::worker
