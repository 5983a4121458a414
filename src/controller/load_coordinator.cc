#include "controller/load_coordinator.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace infaas::controller {
namespace {

// Loads include reading, optimising and warming the model up.
constexpr absl::Duration kLoadTimeout = absl::Seconds(120);
// An unload waits for the dropped instances' queued queries.
constexpr absl::Duration kUnloadTimeout = absl::Seconds(60);

}  // namespace

LoadCoordinator::LoadCoordinator(WorkerPort* workers, ClusterView* cluster, Clock* clock)
    : workers_(workers), clock_(clock), cluster_(cluster) {}

LoadCoordinator::~LoadCoordinator() {
  absl::MutexLock lock(&mu_);
  // Calls in flight, and waiters being told of a finished one.
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return loads_.empty() && unloads_.empty() && notifying_ == 0;
  };
  mu_.Await(absl::Condition(&idle));
}

bool LoadCoordinator::Join(Kind kind, const Key& key, Done done) {
  absl::MutexLock lock(&mu_);
  auto [it, started] = InFlight(kind).try_emplace(key);
  if (done) it->second.push_back(std::move(done));
  return started;
}

void LoadCoordinator::Notify(Kind kind, const Key& key, const absl::Status& status) {
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    Waiters& calls = InFlight(kind);
    auto it = calls.find(key);
    if (it != calls.end()) {
      waiters = std::move(it->second);
      calls.erase(it);
    }
    ++notifying_;  // the destructor waits for the waiters below too
  }
  for (Done& done : waiters) done(status);
  absl::MutexLock lock(&mu_);
  --notifying_;
}

void LoadCoordinator::EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id,
                                   const std::string& address, Done done, int instances,
                                   int64_t leader_token) {
  const Key key{worker_id, record.config().name()};
  if (!Join(Kind::kLoad, key, std::move(done))) return;  // a load is in flight: wait for it
  cluster_->NoteLoadStarted(worker_id, key.second, instances, record.profile().peak_memory_bytes());
  LogInfo("loading variant",
          {{"variant", key.second}, {"worker", worker_id}, {"instances", absl::StrCat(instances)}});
  auto request = std::make_shared<worker_rpc::LoadVariantRequest>();
  *request->mutable_record() = record;
  request->set_instances(instances);
  request->set_leader_token(leader_token);
  auto on_done = [this, request, key](WorkerPort::CallStatus result) {
    const absl::Status& status = result.status;
    if (status.ok()) {
      LogInfo("variant loaded", {{"variant", key.second}, {"worker", key.first}});
      cluster_->NoteLoaded(key.first, key.second);
    } else {
      LogWarning("variant load failed",
                 {{"variant", key.second}, {"worker", key.first}, {"error", status.ToString()}});
      cluster_->NoteLoadFailed(key.first, key.second);
    }
    Notify(Kind::kLoad, key, status);
  };
  const absl::Time deadline = clock_->Now() + kLoadTimeout;
  workers_->LoadVariant(address, request.get(), deadline, std::move(on_done));
}

void LoadCoordinator::Unload(const std::string& worker_id, const std::string& address,
                             const std::string& variant, int keep, Done done,
                             int64_t leader_token) {
  const Key key{worker_id, variant};
  if (!Join(Kind::kUnload, key, std::move(done))) return;  // one in flight: wait for it
  // No query should go there from now on.
  if (keep == 0) cluster_->NoteUnloading(worker_id, variant);
  LogInfo("unloading variant",
          {{"variant", variant}, {"worker", worker_id}, {"keep", absl::StrCat(keep)}});
  auto request = std::make_shared<worker_rpc::UnloadVariantRequest>();
  request->set_variant(variant);
  request->set_keep_instances(keep);
  request->set_leader_token(leader_token);
  auto on_done = [this, request, key, keep](WorkerPort::CallStatus result) {
    const absl::Status& status = result.status;
    if (!status.ok()) {
      LogWarning("unload failed",
                 {{"variant", key.second}, {"worker", key.first}, {"error", status.ToString()}});
      if (keep == 0) cluster_->NoteUnloadFailed(key.first, key.second);
    }
    Notify(Kind::kUnload, key, status);
  };
  workers_->UnloadVariant(address, request.get(), clock_->Now() + kUnloadTimeout,
                          std::move(on_done));
}

}  // namespace infaas::controller
