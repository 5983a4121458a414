#include "controller/load_coordinator.h"

#include <grpcpp/client_context.h>

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace infaas::controller {
namespace {

// Loads include reading, optimising and warming the model up.
constexpr absl::Duration kLoadTimeout = absl::Seconds(120);

struct LoadCall {
  grpc::ClientContext context;
  worker_rpc::LoadVariantRequest request;
  worker_rpc::LoadVariantResponse response;
};

}  // namespace

LoadCoordinator::LoadCoordinator(WorkerClients* clients, ClusterView* cluster)
    : clients_(clients), cluster_(cluster) {}

LoadCoordinator::~LoadCoordinator() {
  absl::MutexLock lock(&mu_);
  // Loads in flight, and waiters being told of a finished load.
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiters_.empty() && notifying_ == 0;
  };
  mu_.Await(absl::Condition(&idle));
}

void LoadCoordinator::EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id,
                                   const std::string& address, Done done, int instances) {
  const Key key{worker_id, record.config().name()};
  {
    absl::MutexLock lock(&mu_);
    auto [it, started] = waiters_.try_emplace(key);
    if (done) it->second.push_back(std::move(done));
    if (!started) return;  // a load is in flight: wait for it
  }
  cluster_->NoteLoading(worker_id, key.second, true);
  LogInfo("loading variant",
          {{"variant", key.second}, {"worker", worker_id}, {"instances", absl::StrCat(instances)}});
  auto call = std::make_shared<LoadCall>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + kLoadTimeout));
  *call->request.mutable_record() = record;
  call->request.set_instances(instances);
  // The call goes before Finish lets the destructor return: its context
  // holds the channel, and a channel whose last reference drops on gRPC's
  // callback thread, once the clients are gone, shuts down the completion
  // queue that very thread serves (gRPC aborts).
  auto on_done = [this, call, key](grpc::Status s) mutable {
    call.reset();
    Finish(key, FromGrpcStatus(s));
  };
  clients_->For(address)->async()->LoadVariant(&call->context, &call->request, &call->response,
                                               std::move(on_done));
}

void LoadCoordinator::Finish(const Key& key, absl::Status status) {
  if (status.ok()) {
    LogInfo("variant loaded", {{"variant", key.second}, {"worker", key.first}});
  } else {
    LogWarning("variant load failed",
               {{"variant", key.second}, {"worker", key.first}, {"error", status.ToString()}});
  }
  if (status.ok()) {
    cluster_->NoteLoaded(key.first, key.second);
  } else {
    cluster_->NoteLoading(key.first, key.second, false);
  }
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(key);
    if (it != waiters_.end()) {
      waiters = std::move(it->second);
      waiters_.erase(it);
    }
    ++notifying_;  // the destructor waits for the waiters below too
  }
  for (Done& done : waiters) done(status);
  absl::MutexLock lock(&mu_);
  --notifying_;
}

}  // namespace infaas::controller
