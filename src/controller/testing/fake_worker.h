#pragma once

// FakeWorker: an in-process `infaas.worker_rpc.Worker` service for testing the
// master's orchestrators (job runner, KServe frontend, router, load
// coordinator, autoscaler) without processes or ports. Calls reach it
// through an in-process channel:
//
//   FakeWorker worker;
//   controller::WorkerClients clients(
//       [&](const std::string&) { return worker.NewStub(); });
//   worker.SetInfer([](const worker_rpc::InferRequest& r, worker_rpc::InferResponse* out) {
//     ...; return grpc::Status::OK;
//   });
//
// By default every call succeeds, and Infer answers each input with 10
// logits whose largest is class 3. Hold() keeps the calls of one method
// (Infer unless told) that arrive from then on unanswered until Release()
// (or destruction, which answers them CANCELLED), to test what happens while
// calls are in flight; AwaitHeld() waits until they have arrived:
//
//   worker.Hold(FakeWorker::Method::kLoad);
//   coordinator.EnsureLoaded(record, "w1", "fake:w1", done);
//   worker.AwaitHeld(1, FakeWorker::Method::kLoad);   // the load is in flight
//   worker.Release(FakeWorker::Method::kLoad);        // answered by SetLoad's handler
//
// Every LoadVariant and UnloadVariant request is kept, in arrival order.
//
// Test-only. Thread-safe; handlers run on gRPC's callback threads.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"

namespace infaas::controller::testing {

class FakeWorker {
 public:
  using InferHandler =
      std::function<grpc::Status(const worker_rpc::InferRequest&, worker_rpc::InferResponse*)>;
  using LoadHandler = std::function<grpc::Status(const worker_rpc::LoadVariantRequest&)>;
  using UnloadHandler = std::function<grpc::Status(const worker_rpc::UnloadVariantRequest&)>;

  // The methods whose calls Hold() can keep unanswered.
  enum class Method { kInfer, kLoad, kUnload };

  FakeWorker();
  ~FakeWorker();
  FakeWorker(const FakeWorker&) = delete;
  FakeWorker& operator=(const FakeWorker&) = delete;

  // A stub whose calls reach this worker (for a WorkerClients::StubFactory).
  std::unique_ptr<worker_rpc::Worker::StubInterface> NewStub();

  void SetInfer(InferHandler handler);
  void SetLoad(LoadHandler handler);
  void SetUnload(UnloadHandler handler);

  // Calls of `method` from now on wait; Release() answers them with the
  // method's handler (the one set when it answers) and stops holding.
  void Hold(Method method = Method::kInfer);
  void Release(Method method = Method::kInfer);
  // Blocks until at least `n` calls of `method` are held.
  void AwaitHeld(int n, Method method = Method::kInfer) const;

  int infer_calls() const;
  int load_calls() const;
  int unload_calls() const;
  int held_calls(Method method = Method::kInfer) const;
  // The requests received so far, oldest first.
  std::vector<worker_rpc::LoadVariantRequest> load_requests() const;
  std::vector<worker_rpc::UnloadVariantRequest> unload_requests() const;

  // 10 logits per input with the largest at `label`: a handler's answer
  // (per part, for a call with parts).
  static void AnswerWith(int label, const worker_rpc::InferRequest& request,
                         worker_rpc::InferResponse* response);

 private:
  class Service;
  struct HeldCall;

  // Answers a call at once with `answer`, or keeps it while `method` is held.
  void Serve(Method method, grpc::ServerUnaryReactor* reactor,
             std::function<grpc::Status()> answer);

  mutable absl::Mutex mu_;
  InferHandler infer_ ABSL_GUARDED_BY(mu_);
  LoadHandler load_ ABSL_GUARDED_BY(mu_);
  UnloadHandler unload_ ABSL_GUARDED_BY(mu_);
  std::set<Method> holding_ ABSL_GUARDED_BY(mu_);
  std::vector<HeldCall> held_ ABSL_GUARDED_BY(mu_);
  int infer_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<worker_rpc::LoadVariantRequest> loads_ ABSL_GUARDED_BY(mu_);
  std::vector<worker_rpc::UnloadVariantRequest> unloads_ ABSL_GUARDED_BY(mu_);

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

// The heartbeat of an idle worker at `address` ("fake:<id>" in the tests)
// with `cores`, 1 GiB free of 2 GiB, serving one instance of each of
// `variants` with `queue` queries pending: what puts a FakeWorker into a
// ClusterView.
worker_rpc::HeartbeatRequest IdleWorkerBeat(const std::string& id, const std::string& address,
                                            const std::vector<std::string>& variants, int cores = 4,
                                            int queue = 0);

}  // namespace infaas::controller::testing
