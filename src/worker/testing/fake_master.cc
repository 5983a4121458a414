#include "worker/testing/fake_master.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"

namespace infaas::worker::testing {

using infaas::worker_rpc::HeartbeatRequest;

FakeMaster::FakeMaster(int interval_ms, bool hold_answers)
    : interval_ms_(interval_ms), hold_answers_(hold_answers) {}

grpc::ServerUnaryReactor* FakeMaster::Heartbeat(grpc::CallbackServerContext* context,
                                                const HeartbeatRequest* request,
                                                infaas::worker_rpc::HeartbeatResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  response->set_interval_ms(interval_ms_);
  bool hold = false;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(*request);
    hold = hold_answers_;
    if (hold) held_.push_back(reactor);
  }
  if (!hold) reactor->Finish(grpc::Status::OK);
  return reactor;
}

HeartbeatRequest FakeMaster::AwaitRequest(
    const std::function<bool(const HeartbeatRequest&)>& match) {
  absl::MutexLock lock(&mu_);
  const HeartbeatRequest* found = nullptr;
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const HeartbeatRequest& r : requests_) {
      if (match(r)) found = &r;
    }
    return found != nullptr;
  };
  mu_.Await(absl::Condition(&arrived));
  return *found;
}

void FakeMaster::AwaitRequests(size_t n) {
  absl::MutexLock lock(&mu_);
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  mu_.Await(absl::Condition(&arrived));
}

void FakeMaster::FinishHeld() {
  std::vector<grpc::ServerUnaryReactor*> held;
  {
    absl::MutexLock lock(&mu_);
    held.swap(held_);
    hold_answers_ = false;
  }
  for (grpc::ServerUnaryReactor* reactor : held) reactor->Finish(grpc::Status::OK);
}

TestServer::TestServer(grpc::Service* service, int wanted_port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", wanted_port),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  server = builder.BuildAndStart();
}

TestServer::~TestServer() {
  if (server != nullptr) server->Shutdown();
}

std::string TestServer::address() const { return absl::StrCat("127.0.0.1:", port); }

}  // namespace infaas::worker::testing
