#pragma once

// WorkerServer: one infaas-worker process's serving parts wired together —
// LoadedVariants, the Worker gRPC service listening on a port, and (when
// masters are named) a Heartbeater per master. apps/infaas_worker.cc is a
// thin main around it, and tests start it in-process.
//
//   ASSIGN_OR_RETURN(auto server, WorkerServer::Create({.worker_id = "w1",
//                                                      .repository_root = root}));
//   std::cout << server->listen_address();   // "127.0.0.1:41234"
//   ...
//   server->Shutdown();
//
// Owned by main (or a test). Thread-safe.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tls.h"
#include "worker/heartbeater.h"
#include "worker/loaded_variants.h"
#include "worker/worker_service.h"

namespace infaas::worker {

class WorkerServer {
 public:
  struct Options {
    std::string worker_id{};
    // host:port to listen on; port 0 picks a free one.
    std::string listen_address = "127.0.0.1:0";
    // host:port the master should dial. Empty: the listen host with the
    // chosen port, a wildcard host (0.0.0.0, [::]) becoming the host name.
    std::string advertise_address{};
    // The model repository's root folder.
    std::filesystem::path repository_root{};
    // host:port of each master: heartbeats go to every one (several masters
    // share a store; each must know the workers). None sends no heartbeats.
    std::vector<std::string> masters{};
    absl::Duration heartbeat_interval = absl::Milliseconds(500);
    // Cores this worker offers the master; 0 means all of the machine's.
    int cores = 0;
    // Empty: the real backends. Tests pass fakes.
    ModelLoader loader{};
    // Calls from the master must carry it, and heartbeats send it
    // (common/cluster_secret.h); empty: none.
    std::string cluster_secret{};
    // TLS on this worker's listener when set, and the CA the master's
    // certificate is checked against when dialing it (common/tls.h).
    TlsFiles tls{};
    std::filesystem::path tls_ca{};
  };

  // Loads nothing yet; starts listening and heartbeating. InvalidArgument
  // for a malformed address or options; Unavailable when it cannot listen.
  static absl::StatusOr<std::unique_ptr<WorkerServer>> Create(Options options);

  // Shutdown()s.
  ~WorkerServer();
  WorkerServer(const WorkerServer&) = delete;
  WorkerServer& operator=(const WorkerServer&) = delete;

  // Stops heartbeats, stops taking RPCs and lets those in flight finish
  // (cancelling them after `grace`), then unloads every variant. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  // The listen host with the chosen port, e.g. "127.0.0.1:41234".
  const std::string& listen_address() const { return listen_address_; }
  const std::string& advertise_address() const { return advertise_address_; }
  int port() const { return port_; }
  const std::string& worker_id() const { return variants_->worker_id(); }
  LoadedVariants& variants() { return *variants_; }

 private:
  WorkerServer() = default;

  // Declared in construction order; destroyed in reverse.
  std::unique_ptr<LoadedVariants> variants_;
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<Heartbeater>> heartbeaters_;  // one per master
  std::string listen_address_;
  std::string advertise_address_;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

// Splits "host:port" (host may be "[::1]"); InvalidArgument when there is no
// port in [0, 65535] or no host.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address);

}  // namespace infaas::worker
