#include "controller/testing/fake_worker.h"

#include <grpcpp/server_builder.h>

#include <string>
#include <utility>

namespace infaas::controller::testing {

struct FakeWorker::HeldCall {
  grpc::ServerUnaryReactor* reactor;
  const worker_rpc::InferRequest* request;
  worker_rpc::InferResponse* response;
};

class FakeWorker::Service : public worker_rpc::Worker::CallbackService {
 public:
  explicit Service(FakeWorker* worker) : worker_(worker) {}

  grpc::ServerUnaryReactor* LoadVariant(grpc::CallbackServerContext* context,
                                        const worker_rpc::LoadVariantRequest* request,
                                        worker_rpc::LoadVariantResponse* /*response*/) override {
    LoadHandler handler;
    {
      absl::MutexLock lock(&worker_->mu_);
      ++worker_->load_calls_;
      handler = worker_->load_;
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(handler ? handler(*request) : grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* UnloadVariant(
      grpc::CallbackServerContext* context, const worker_rpc::UnloadVariantRequest* request,
      worker_rpc::UnloadVariantResponse* /*response*/) override {
    UnloadHandler handler;
    {
      absl::MutexLock lock(&worker_->mu_);
      ++worker_->unload_calls_;
      handler = worker_->unload_;
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(handler ? handler(*request) : grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Infer(grpc::CallbackServerContext* context,
                                  const worker_rpc::InferRequest* request,
                                  worker_rpc::InferResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    InferHandler handler;
    {
      absl::MutexLock lock(&worker_->mu_);
      ++worker_->infer_calls_;
      if (worker_->holding_) {
        worker_->held_.push_back({reactor, request, response});
        return reactor;
      }
      handler = worker_->infer_;
    }
    reactor->Finish(Answer(handler, *request, response));
    return reactor;
  }

  static grpc::Status Answer(const InferHandler& handler, const worker_rpc::InferRequest& request,
                             worker_rpc::InferResponse* response) {
    if (handler) return handler(request, response);
    AnswerWith(3, request, response);
    return grpc::Status::OK;
  }

 private:
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
    holding_ = false;
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

void FakeWorker::Hold() {
  absl::MutexLock lock(&mu_);
  holding_ = true;
}

void FakeWorker::Release() {
  std::vector<HeldCall> held;
  InferHandler handler;
  {
    absl::MutexLock lock(&mu_);
    holding_ = false;
    held.swap(held_);
    handler = infer_;
  }
  for (const HeldCall& call : held) {
    call.reactor->Finish(Service::Answer(handler, *call.request, call.response));
  }
}

int FakeWorker::infer_calls() const {
  absl::MutexLock lock(&mu_);
  return infer_calls_;
}

int FakeWorker::load_calls() const {
  absl::MutexLock lock(&mu_);
  return load_calls_;
}

int FakeWorker::unload_calls() const {
  absl::MutexLock lock(&mu_);
  return unload_calls_;
}

int FakeWorker::held_calls() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(held_.size());
}

void FakeWorker::AnswerWith(int label, const worker_rpc::InferRequest& request,
                            worker_rpc::InferResponse* response) {
  for (int i = 0; i < request.inputs_size(); ++i) {
    v1::OutputTensor* output = response->add_outputs();
    for (int c = 0; c < 10; ++c) output->add_values(c == label ? 10.0f : 0.0f);
  }
  response->set_batch_size(request.inputs_size());
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
