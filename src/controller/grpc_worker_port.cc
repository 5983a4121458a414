#include "controller/grpc_worker_port.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <memory>
#include <utility>

#include "common/grpc_status.h"

namespace infaas::controller {

// One call: its context, the reply when the caller keeps none, and the
// callback. Started by Start(); deletes itself in OnDone, gRPC's last word
// on it.
class GrpcWorkerPort::Call final : public grpc::ClientUnaryReactor {
 public:
  Call(GrpcWorkerPort* port, absl::Time deadline, Done done) : port_(port), done_(std::move(done)) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    port_->CallStarted();
  }

  grpc::ClientContext* context() { return &context_; }

  // Keeps a reply no caller wants until the call ends.
  template <typename Reply>
  Reply* KeepReply() {
    auto reply = std::make_unique<Reply>();
    Reply* kept = reply.get();
    own_reply_ = std::move(reply);
    return kept;
  }

  // Once the stub has this reactor: starts the call.
  void Start() {
    // Pairs with OnDone's: what this thread wrote into the call is seen
    // there. gRPC hands the call to its callback thread through atomics of
    // its own, which ThreadSanitizer cannot see.
    { absl::MutexLock lock(&handoff_); }
    StartCall();
  }

  // The status, and whether the worker itself gave it.
  void OnDone(const grpc::Status& status) override {
    { absl::MutexLock lock(&handoff_); }
    const absl::Status s = FromGrpcStatus(status);
    const bool by_worker =
        s.ok() || context_.GetServerTrailingMetadata().contains(kAnsweredByWorkerKey.data());
    done_(CallStatus{.status = s, .answered_by_worker = by_worker});
    GrpcWorkerPort* port = port_;
    // The context holds the channel, which must not be the last reference
    // when the clients go away: gone before the port counts the call out.
    delete this;
    port->CallEnded();
  }

 private:
  GrpcWorkerPort* const port_;
  grpc::ClientContext context_;
  Done done_;
  std::unique_ptr<google::protobuf::Message> own_reply_;
  absl::Mutex handoff_;
};

GrpcWorkerPort::~GrpcWorkerPort() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* live) { return *live == 0; }, &live_calls_));
}

void GrpcWorkerPort::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++live_calls_;
}

void GrpcWorkerPort::CallEnded() {
  absl::MutexLock lock(&mu_);
  --live_calls_;
}

void GrpcWorkerPort::Infer(const std::string& address, const worker_rpc::InferRequest* request,
                           worker_rpc::InferResponse* reply, absl::Time deadline, Done done) {
  auto* call = new Call(this, deadline, std::move(done));
  clients_->For(address)->async()->Infer(call->context(), request, reply, call);
  call->Start();
}

void GrpcWorkerPort::LoadVariant(const std::string& address,
                                 const worker_rpc::LoadVariantRequest* request, absl::Time deadline,
                                 Done done) {
  auto* call = new Call(this, deadline, std::move(done));
  clients_->For(address)->async()->LoadVariant(
      call->context(), request, call->KeepReply<worker_rpc::LoadVariantResponse>(), call);
  call->Start();
}

void GrpcWorkerPort::UnloadVariant(const std::string& address,
                                   const worker_rpc::UnloadVariantRequest* request,
                                   absl::Time deadline, Done done) {
  auto* call = new Call(this, deadline, std::move(done));
  clients_->For(address)->async()->UnloadVariant(
      call->context(), request, call->KeepReply<worker_rpc::UnloadVariantResponse>(), call);
  call->Start();
}

}  // namespace infaas::controller
