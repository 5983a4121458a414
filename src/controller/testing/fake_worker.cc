#include "controller/testing/fake_worker.h"

#include <grpcpp/server_builder.h>

#include <algorithm>
#include <string>
#include <utility>

namespace infaas::controller::testing {

struct FakeWorker::HeldCall {
  Method method;
  grpc::ServerUnaryReactor* reactor;
  std::function<grpc::Status()> answer;  // calls the handler set when it runs
};

class FakeWorker::Service : public worker_rpc::Worker::CallbackService {
 public:
  explicit Service(FakeWorker* worker) : worker_(worker) {}

  grpc::ServerUnaryReactor* LoadVariant(grpc::CallbackServerContext* context,
                                        const worker_rpc::LoadVariantRequest* request,
                                        worker_rpc::LoadVariantResponse* /*response*/) override {
    return RecordAndServe(context, request, Method::kLoad, &FakeWorker::loads_, &FakeWorker::load_);
  }

  grpc::ServerUnaryReactor* UnloadVariant(
      grpc::CallbackServerContext* context, const worker_rpc::UnloadVariantRequest* request,
      worker_rpc::UnloadVariantResponse* /*response*/) override {
    return RecordAndServe(context, request, Method::kUnload, &FakeWorker::unloads_,
                          &FakeWorker::unload_);
  }

  grpc::ServerUnaryReactor* Infer(grpc::CallbackServerContext* context,
                                  const worker_rpc::InferRequest* request,
                                  worker_rpc::InferResponse* response) override {
    {
      absl::MutexLock lock(&worker_->mu_);
      ++worker_->infer_calls_;
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    worker_->Serve(Method::kInfer, reactor, [worker = worker_, request, response] {
      InferHandler handler;
      {
        absl::MutexLock lock(&worker->mu_);
        handler = worker->infer_;
      }
      if (handler) return handler(*request, response);
      AnswerWith(3, *request, response);
      return grpc::Status::OK;
    });
    return reactor;
  }

 private:
  // Records the request in `calls`, then answers with the handler in
  // `handler` as it is when the call runs (OK when unset); a held call runs
  // once released.
  template <typename Request, typename Handler>
  grpc::ServerUnaryReactor* RecordAndServe(grpc::CallbackServerContext* context,
                                           const Request* request, Method method,
                                           std::vector<Request> FakeWorker::*calls,
                                           Handler FakeWorker::*handler) {
    {
      absl::MutexLock lock(&worker_->mu_);
      (worker_->*calls).push_back(*request);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    worker_->Serve(method, reactor, [worker = worker_, request, handler] {
      Handler answer;
      {
        absl::MutexLock lock(&worker->mu_);
        answer = worker->*handler;
      }
      return answer ? answer(*request) : grpc::Status::OK;
    });
    return reactor;
  }

  FakeWorker* const worker_;
};

FakeWorker::FakeWorker() : service_(std::make_unique<Service>(this)) {
  grpc::ServerBuilder builder;
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

FakeWorker::~FakeWorker() {
  std::vector<HeldCall> held;
  {
    absl::MutexLock lock(&mu_);
    holding_.clear();
    held.swap(held_);
  }
  for (const HeldCall& call : held) {
    call.reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "fake worker stopped"));
  }
  server_->Shutdown();
  server_->Wait();
}

std::unique_ptr<worker_rpc::Worker::StubInterface> FakeWorker::NewStub() {
  return worker_rpc::Worker::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
}

void FakeWorker::SetInfer(InferHandler handler) {
  absl::MutexLock lock(&mu_);
  infer_ = std::move(handler);
}

void FakeWorker::SetLoad(LoadHandler handler) {
  absl::MutexLock lock(&mu_);
  load_ = std::move(handler);
}

void FakeWorker::SetUnload(UnloadHandler handler) {
  absl::MutexLock lock(&mu_);
  unload_ = std::move(handler);
}

void FakeWorker::Serve(Method method, grpc::ServerUnaryReactor* reactor,
                       std::function<grpc::Status()> answer) {
  {
    absl::MutexLock lock(&mu_);
    if (holding_.contains(method)) {
      held_.push_back({method, reactor, std::move(answer)});
      return;
    }
  }
  reactor->Finish(answer());
}

void FakeWorker::Hold(Method method) {
  absl::MutexLock lock(&mu_);
  holding_.insert(method);
}

void FakeWorker::Release(Method method) {
  std::vector<HeldCall> released;
  {
    absl::MutexLock lock(&mu_);
    holding_.erase(method);
    std::vector<HeldCall> kept;
    for (HeldCall& call : held_) {
      (call.method == method ? released : kept).push_back(std::move(call));
    }
    held_.swap(kept);
  }
  // Outside the lock: the answers read the handlers under it.
  for (const HeldCall& call : released) call.reactor->Finish(call.answer());
}

void FakeWorker::AwaitHeld(int n, Method method) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n, method]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return std::count_if(held_.begin(), held_.end(),
                         [method](const HeldCall& call) { return call.method == method; }) >= n;
  };
  mu_.Await(absl::Condition(&enough));
}

int FakeWorker::infer_calls() const {
  absl::MutexLock lock(&mu_);
  return infer_calls_;
}

int FakeWorker::load_calls() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(loads_.size());
}

int FakeWorker::unload_calls() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(unloads_.size());
}

int FakeWorker::held_calls(Method method) const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(std::count_if(held_.begin(), held_.end(), [method](const HeldCall& call) {
    return call.method == method;
  }));
}

std::vector<worker_rpc::LoadVariantRequest> FakeWorker::load_requests() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

std::vector<worker_rpc::UnloadVariantRequest> FakeWorker::unload_requests() const {
  absl::MutexLock lock(&mu_);
  return unloads_;
}

void FakeWorker::AnswerWith(int label, const worker_rpc::InferRequest& request,
                            worker_rpc::InferResponse* response) {
  auto answer = [label](int inputs, int batch, auto* out) {
    for (int i = 0; i < inputs; ++i) {
      v1::OutputTensor* output = out->add_outputs();
      for (int c = 0; c < 10; ++c) output->add_values(c == label ? 10.0f : 0.0f);
    }
    out->set_batch_size(batch);
  };
  if (request.parts_size() == 0) {
    answer(request.inputs_size(), request.inputs_size(), response);
    return;
  }
  // A coalesced call: the parts ran together, each answered on its own.
  for (const worker_rpc::QueryPart& part : request.parts()) {
    answer(part.inputs(), request.inputs_size(), response->add_parts());
  }
}

worker_rpc::HeartbeatRequest IdleWorkerBeat(const std::string& id, const std::string& address,
                                            const std::vector<std::string>& variants, int cores,
                                            int queue) {
  worker_rpc::HeartbeatRequest beat;
  beat.set_worker_id(id);
  beat.set_address(address);
  beat.set_cores(cores);
  beat.set_free_memory_bytes(int64_t{1} << 30);
  beat.set_total_memory_bytes(int64_t{2} << 30);
  for (const std::string& v : variants) {
    worker_rpc::VariantLoad* load = beat.add_variants();
    load->set_variant(v);
    load->set_instances(1);
    load->set_queue_length(queue);
  }
  return beat;
}

}  // namespace infaas::controller::testing
