#pragma once

// GrpcWorkerPort: the master's WorkerPort — asynchronous gRPC calls over the
// channels of a WorkerClients (one per worker address), each with its own
// ClientContext carrying the deadline. A call's answer is the worker's own
// when it succeeded or its trailing metadata says so (kAnsweredByWorkerKey).
//
//   controller::WorkerClients clients;
//   controller::GrpcWorkerPort port(&clients);
//   controller::LoadCoordinator loads(&port, &cluster);
//
// Each call is a grpc::ClientUnaryReactor of its own (gRPC copies no
// callable of ours), which deletes itself once gRPC is done with it.
// Callbacks run on gRPC's callback threads. The destructor waits until gRPC
// has let go of every call it started. Thread-safe.

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/worker_clients.h"
#include "controller/worker_port.h"

namespace infaas::controller {

class GrpcWorkerPort final : public WorkerPort {
 public:
  explicit GrpcWorkerPort(WorkerClients* clients) : clients_(clients) {}
  ~GrpcWorkerPort() override;

  Cancel Infer(const std::string& address, const worker_rpc::InferRequest* request,
               worker_rpc::InferResponse* reply, absl::Time deadline, Done done) override;
  void LoadVariant(const std::string& address, const worker_rpc::LoadVariantRequest* request,
                   absl::Time deadline, Done done) override;
  void UnloadVariant(const std::string& address, const worker_rpc::UnloadVariantRequest* request,
                     absl::Time deadline, Done done) override;

 private:
  class Call;
  // Counts a call in and out (the destructor waits for none left).
  void CallStarted();
  void CallEnded();

  WorkerClients* const clients_;
  absl::Mutex mu_;
  int live_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas::controller
