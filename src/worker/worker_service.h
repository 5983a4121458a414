#pragma once

// WorkerServiceImpl: the infaas.worker_rpc.Worker gRPC service (LoadVariant,
// UnloadVariant, Infer) on top of LoadedVariants; a thin adapter that turns
// requests into LoadedVariants calls and absl::Status into grpc::Status.
//
//   LoadedVariants* variants = ...;
//   WorkerServiceImpl service(variants);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
//
// Callback API throughout, and no gRPC thread waits for long:
//  - Infer decodes the inputs on the gRPC thread, queues them and returns;
//    the executor that runs the batch finishes the call. The caller's
//    deadline travels with the query: past it, the query is not run.
//  - LoadVariant and UnloadVariant run on the service's own small thread
//    pool (loading takes seconds; unloading waits for a running batch).
//
// Owned by WorkerServer; must outlive the grpc::Server it is registered
// with, and `variants` must outlive it. Thread-safe.

#include "common/log_throttle.h"
#include "common/thread_pool.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "worker/loaded_variants.h"

namespace infaas::worker {

// Infer is a raw method: its request's inputs are counted on the wire
// before it is parsed (common/wire_limits.h), so that a message of nothing
// but empty inputs costs an error, not gigabytes.
class WorkerServiceImpl final : public infaas::worker_rpc::Worker::WithRawCallbackMethod_Infer<
                                    infaas::worker_rpc::Worker::CallbackService> {
 public:
  // `admin_threads`: loads and unloads that may run at once.
  // Every call must carry `cluster_secret` (when not empty).
  explicit WorkerServiceImpl(LoadedVariants* variants, std::string cluster_secret = "",
                             int admin_threads = 2);
  // Waits for loads and unloads in flight.
  ~WorkerServiceImpl() override;

  // OK with the load time; INVALID_ARGUMENT for a bad record or a model
  // that does not load; UNAVAILABLE while the worker shuts down.
  grpc::ServerUnaryReactor* LoadVariant(grpc::CallbackServerContext* context,
                                        const infaas::worker_rpc::LoadVariantRequest* request,
                                        infaas::worker_rpc::LoadVariantResponse* response) override;

  // OK once drained and unloaded; NOT_FOUND when not loaded.
  grpc::ServerUnaryReactor* UnloadVariant(
      grpc::CallbackServerContext* context, const infaas::worker_rpc::UnloadVariantRequest* request,
      infaas::worker_rpc::UnloadVariantResponse* response) override;

  // One output per input, in order, with the queue time, the batch's
  // compute time and its size. `request.offline` queries yield to online
  // ones (see VariantInstance). NOT_FOUND (variant not loaded), UNAVAILABLE
  // (loading, or unloading before the query ran), INVALID_ARGUMENT (an input
  // that does not decode, too many inputs), RESOURCE_EXHAUSTED (queue full),
  // DEADLINE_EXCEEDED (the deadline passed in the queue), INTERNAL (the
  // model failed). A call with `parts` (several queries coalesced by the
  // master) is OK with each part's own status in `response.parts`.
  grpc::ServerUnaryReactor* Infer(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;

 private:
  // The reactor, finished with PERMISSION_DENIED, if the call lacks the
  // cluster secret; null when it may go on.
  grpc::ServerUnaryReactor* RefuseStranger(grpc::CallbackServerContext* context);

  // Each part of `query` as its own query; finishes `reactor` once all are
  // answered.
  void InferParts(const grpc::CallbackServerContext& context,
                  std::shared_ptr<infaas::worker_rpc::InferRequest> query, Priority priority,
                  grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* response);

  // FAILED_PRECONDITION when `leader_token` (0: none) is below the highest
  // seen: it comes from a master that no longer leads. Records the highest.
  absl::Status CheckLeaderToken(int64_t leader_token);

  LoadedVariants* const variants_;
  const std::string cluster_secret_;
  std::atomic<int64_t> highest_leader_token_{0};
  // Refusals are logged at most once per 10 s, with the count held back.
  LogThrottle refusal_log_{absl::Seconds(10)};
  ThreadPool admin_;
};

}  // namespace infaas::worker
