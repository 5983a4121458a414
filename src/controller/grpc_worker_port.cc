#include "controller/grpc_worker_port.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <memory>
#include <utility>

#include "common/grpc_status.h"

namespace infaas::controller {

// One call: its context, the reply when the caller keeps none, and the
// callback. Made by New and started by Start; gRPC holds it until OnDone,
// its last word on it, and a Cancel only while it cancels. The last holder
// deletes it and counts it out of the port.
class GrpcWorkerPort::Call final : public grpc::ClientUnaryReactor {
 public:
  static std::shared_ptr<Call> New(GrpcWorkerPort* port, absl::Time deadline, Done done) {
    port->CallStarted();
    // The context holds the channel, which must not be the last reference
    // when the clients go away: gone before the port counts the call out.
    std::shared_ptr<Call> call(new Call(deadline, std::move(done)), [port](Call* ended) {
      delete ended;
      port->CallEnded();
    });
    call->self_ = call;
    return call;
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

  // Once the stub has this reactor: starts the call, and returns how to
  // cancel it.
  Cancel Start() {
    // Read before the call starts: OnDone may let go of it at once.
    std::weak_ptr<Call> weak = self_;
    // Pairs with OnDone's: what this thread wrote into the call is seen
    // there. gRPC hands the call to its callback thread through atomics of
    // its own, which ThreadSanitizer cannot see.
    { absl::MutexLock lock(&handoff_); }
    StartCall();
    return [call = std::move(weak)] {
      // Held while it cancels, so OnDone (even inline) cannot delete it.
      if (std::shared_ptr<Call> live = call.lock()) live->context_.TryCancel();
    };
  }

  // The status, and whether the worker itself gave it.
  void OnDone(const grpc::Status& status) override {
    { absl::MutexLock lock(&handoff_); }
    const absl::Status s = FromGrpcStatus(status);
    const bool by_worker =
        s.ok() || context_.GetServerTrailingMetadata().contains(kAnsweredByWorkerKey.data());
    done_(CallStatus{.status = s, .answered_by_worker = by_worker});
    // gRPC's hold; the call goes with the last.
    std::shared_ptr<Call> last = std::move(self_);
  }

 private:
  Call(absl::Time deadline, Done done) : done_(std::move(done)) {
    context_.set_deadline(absl::ToChronoTime(deadline));
  }

  std::shared_ptr<Call> self_;  // gRPC's hold, from New to OnDone
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

WorkerPort::Cancel GrpcWorkerPort::Infer(const std::string& address,
                                         const worker_rpc::InferRequest* request,
                                         worker_rpc::InferResponse* reply, absl::Time deadline,
                                         Done done) {
  std::shared_ptr<Call> call = Call::New(this, deadline, std::move(done));
  clients_->For(address)->async()->Infer(call->context(), request, reply, call.get());
  return call->Start();
}

void GrpcWorkerPort::LoadVariant(const std::string& address,
                                 const worker_rpc::LoadVariantRequest* request, absl::Time deadline,
                                 Done done) {
  std::shared_ptr<Call> call = Call::New(this, deadline, std::move(done));
  clients_->For(address)->async()->LoadVariant(
      call->context(), request, call->KeepReply<worker_rpc::LoadVariantResponse>(), call.get());
  call->Start();
}

void GrpcWorkerPort::UnloadVariant(const std::string& address,
                                   const worker_rpc::UnloadVariantRequest* request,
                                   absl::Time deadline, Done done) {
  std::shared_ptr<Call> call = Call::New(this, deadline, std::move(done));
  clients_->For(address)->async()->UnloadVariant(
      call->context(), request, call->KeepReply<worker_rpc::UnloadVariantResponse>(), call.get());
  call->Start();
}

}  // namespace infaas::controller
