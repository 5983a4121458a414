#pragma once

// FakeMaster: an infaas.worker_rpc.Master service for tests that records every
// HeartbeatRequest and answers with a chosen interval — or holds its answers
// until FinishHeld(), to test a master that hangs.
//
//   FakeMaster master;
//   TestServer server(&master);               // 127.0.0.1:<ephemeral>
//   ... start a Heartbeater at server.address() ...
//   HeartbeatRequest beat = master.AwaitRequest(
//       [](const HeartbeatRequest& r) { return r.variants_size() == 1; });
//
// Test-only; thread-safe.

#include <grpcpp/server.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"

namespace infaas::worker::testing {

class FakeMaster final : public infaas::worker_rpc::Master::CallbackService {
 public:
  // `interval_ms` goes into every answer (0: the worker keeps its own).
  explicit FakeMaster(int interval_ms = 0, bool hold_answers = false);

  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const infaas::worker_rpc::HeartbeatRequest* request,
                                      infaas::worker_rpc::HeartbeatResponse* response) override;

  // Blocks until a heartbeat satisfying `match` has arrived; returns the
  // latest such one.
  infaas::worker_rpc::HeartbeatRequest AwaitRequest(
      const std::function<bool(const infaas::worker_rpc::HeartbeatRequest&)>& match);
  // Blocks until `n` heartbeats have arrived.
  void AwaitRequests(size_t n);
  // Answers held heartbeats and stops holding.
  void FinishHeld();

 private:
  const int interval_ms_;
  absl::Mutex mu_;
  bool hold_answers_ ABSL_GUARDED_BY(mu_);
  std::vector<infaas::worker_rpc::HeartbeatRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::ServerUnaryReactor*> held_ ABSL_GUARDED_BY(mu_);
};

// A gRPC server with one service on 127.0.0.1 (port 0: an ephemeral one).
// Shuts down when destroyed; `server` is null when it could not listen.
struct TestServer {
  explicit TestServer(grpc::Service* service, int port = 0);
  ~TestServer();
  std::string address() const;

  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

}  // namespace infaas::worker::testing
