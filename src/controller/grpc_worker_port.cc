#include "controller/grpc_worker_port.h"

#include <grpcpp/client_context.h>

#include <memory>
#include <utility>

#include "common/grpc_status.h"

namespace infaas::controller {

struct GrpcWorkerPort::Call {
  grpc::ClientContext context;
  Done done;

  // The gRPC callback: the status, and whether the worker itself gave it.
  void Finish(const grpc::Status& status) {
    const absl::Status s = FromGrpcStatus(status);
    const bool by_worker =
        s.ok() || context.GetServerTrailingMetadata().contains(kAnsweredByWorkerKey.data());
    done(CallStatus{.status = s, .answered_by_worker = by_worker});
  }
};

GrpcWorkerPort::~GrpcWorkerPort() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* live) { return *live == 0; }, &live_calls_));
}

std::shared_ptr<GrpcWorkerPort::Call> GrpcWorkerPort::NewCall(absl::Time deadline, Done done) {
  {
    absl::MutexLock lock(&mu_);
    ++live_calls_;
  }
  // The last owner (gRPC's callback, once it returns) counts it out: its
  // context holds the channel, which must not be the last reference when the
  // clients go away.
  std::shared_ptr<Call> call(new Call, [this](Call* ended) {
    delete ended;
    absl::MutexLock lock(&mu_);
    --live_calls_;
  });
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->done = std::move(done);
  return call;
}

void GrpcWorkerPort::Infer(const std::string& address, const worker_rpc::InferRequest* request,
                           worker_rpc::InferResponse* reply, absl::Time deadline, Done done) {
  std::shared_ptr<Call> call = NewCall(deadline, std::move(done));
  clients_->For(address)->async()->Infer(&call->context, request, reply,
                                         [call](grpc::Status s) { call->Finish(s); });
}

void GrpcWorkerPort::LoadVariant(const std::string& address,
                                 const worker_rpc::LoadVariantRequest* request, absl::Time deadline,
                                 Done done) {
  std::shared_ptr<Call> call = NewCall(deadline, std::move(done));
  auto reply = std::make_shared<worker_rpc::LoadVariantResponse>();
  clients_->For(address)->async()->LoadVariant(&call->context, request, reply.get(),
                                               [call, reply](grpc::Status s) { call->Finish(s); });
}

void GrpcWorkerPort::UnloadVariant(const std::string& address,
                                   const worker_rpc::UnloadVariantRequest* request,
                                   absl::Time deadline, Done done) {
  std::shared_ptr<Call> call = NewCall(deadline, std::move(done));
  auto reply = std::make_shared<worker_rpc::UnloadVariantResponse>();
  clients_->For(address)->async()->UnloadVariant(
      &call->context, request, reply.get(), [call, reply](grpc::Status s) { call->Finish(s); });
}

}  // namespace infaas::controller
