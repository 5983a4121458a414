#include "autoscaler/autoscaler.h"

#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace infaas::autoscaler {
namespace {

constexpr size_t kEventsKept = 50;
constexpr absl::Duration kUnloadTimeout = absl::Seconds(60);

struct UnloadCall {
  grpc::ClientContext context;
  worker_rpc::UnloadVariantRequest request;
  worker_rpc::UnloadVariantResponse response;
};

int QueuedOn(const controller::WorkerSnapshot& worker) {
  int queued = 0;
  for (const controller::LoadedVariant& v : worker.variants) queued += v.queue_length;
  return queued;
}

}  // namespace

Autoscaler::Autoscaler(Dependencies deps, std::unique_ptr<ScalingPolicy> policy, Options options)
    : deps_(deps),
      policy_(std::move(policy)),
      options_(options),
      history_(options.history),
      provisioning_("provisioner", 1) {}

Autoscaler::~Autoscaler() {
  Stop();
  provisioning_.Shutdown();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* pending) { return *pending == 0; }, &callbacks_pending_));
}

void Autoscaler::CallbackBegins() {
  absl::MutexLock lock(&mu_);
  ++callbacks_pending_;
}

void Autoscaler::CallbackEnds() {
  absl::MutexLock lock(&mu_);
  --callbacks_pending_;
}

void Autoscaler::Start() {
  LogInfo("autoscaler started",
          {{"policy", policy_->name()},
           {"period_ms", absl::StrCat(absl::ToInt64Milliseconds(options_.period))},
           {"max_workers", absl::StrCat(options_.max_workers)},
           {"provisioner",
            deps_.provisioner != nullptr ? deps_.provisioner->Describe() : std::string("none")}});
  thread_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&requests_mu_);
        requests_mu_.AwaitWithTimeout(absl::Condition(&wake_), options_.period);
        wake_ = false;
      }
      if (stop_.HasBeenNotified()) return;
      Tick();
    }
  });
}

void Autoscaler::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&requests_mu_);
    wake_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Autoscaler::RequestLoad(const controller::LoadRecommendation& load) {
  constexpr size_t kMaxPending = 256;  // a flood of queries asks for the same few loads
  absl::MutexLock lock(&requests_mu_);
  for (const controller::LoadRecommendation& r : requests_) {
    if (r.variant == load.variant && r.worker_id == load.worker_id) return;
  }
  if (requests_.size() >= kMaxPending) return;
  requests_.push_back(load);
  wake_ = true;
}

void Autoscaler::Tick() {
  absl::MutexLock tick(&tick_mu_);
  const absl::Time now = deps_.clock->Now();
  // A copy stamped now: the view rebuilds its snapshot only on change.
  auto cluster = std::make_shared<controller::ClusterSnapshot>(*deps_.cluster->Snapshot(now));
  cluster->taken_at = now;
  history_.Add(cluster);
  std::shared_ptr<const controller::Catalogue> catalogue = deps_.catalogue->Get();
  const controller::DemandSnapshot demand = deps_.demand->Snapshot();
  FollowUp(*cluster, now);
  std::vector<controller::LoadRecommendation> requests;
  {
    absl::MutexLock lock(&requests_mu_);
    requests.swap(requests_);
  }
  const ScalingInput input{.catalogue = catalogue.get(),
                           .cluster = cluster.get(),
                           .history = &history_,
                           .demand = &demand,
                           .pool = PoolOf(*cluster),
                           .now = now,
                           .load_requests = std::move(requests)};
  for (const ScalingAction& action : policy_->Decide(input)) {
    Execute(action, *cluster, *catalogue);
  }
}

WorkerPool Autoscaler::PoolOf(const controller::ClusterSnapshot& cluster) {
  WorkerPool pool;
  if (deps_.provisioner == nullptr) return pool;
  pool.max_workers = options_.max_workers;
  const std::vector<std::string> provisioned = deps_.provisioner->Workers();
  absl::MutexLock lock(&mu_);
  pool.starting = static_cast<int>(starting_.size());
  for (const controller::WorkerSnapshot& w : cluster.workers) {
    if (!w.draining &&
        std::find(provisioned.begin(), provisioned.end(), w.id) != provisioned.end()) {
      pool.removable.push_back(w.id);
    }
  }
  return pool;
}

void Autoscaler::FollowUp(const controller::ClusterSnapshot& cluster, absl::Time now) {
  auto find = [&cluster](const std::string& id) -> const controller::WorkerSnapshot* {
    for (const controller::WorkerSnapshot& w : cluster.workers) {
      if (w.id == id) return &w;
    }
    return nullptr;
  };
  std::vector<std::string> to_remove;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = starting_.begin(); it != starting_.end();) {
      const bool joined = find(it->first) != nullptr;
      if (joined || now - it->second > options_.start_timeout) {
        if (!joined) {
          LogWarning("provisioned worker never joined",
                     {{"worker", it->first},
                      {"waited_s", absl::StrCat(absl::ToInt64Seconds(now - it->second))}});
        }
        it = starting_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = draining_.begin(); it != draining_.end();) {
      const controller::WorkerSnapshot* w = find(it->first);
      // Its heartbeat must postdate the drain so the queue figure is fresh.
      const bool drained = w == nullptr || (w->last_heartbeat > it->second && QueuedOn(*w) == 0);
      if (drained || now - it->second > options_.drain_timeout) {
        to_remove.push_back(it->first);
        it = draining_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& id : to_remove) {
    provisioning_.Schedule([this, id] {
      if (absl::Status s = deps_.provisioner->RemoveWorker(id); !s.ok()) {
        LogWarning("worker removal failed", {{"worker", id}, {"error", s.ToString()}});
      }
      deps_.cluster->MarkDead(id);
    });
  }
}

void Autoscaler::Record(const ScalingAction& action, absl::Time now) {
  LogInfo("autoscaler action", {{"policy", policy_->name()},
                                {"action", Describe(action)},
                                {"variant", action.variant},
                                {"worker", action.worker_id}});
  if (deps_.on_action) deps_.on_action(action);
  absl::MutexLock lock(&mu_);
  events_.push_back({now, action});
  while (events_.size() > kEventsKept) events_.pop_front();
}

void Autoscaler::Execute(const ScalingAction& action, const controller::ClusterSnapshot& cluster,
                         const controller::Catalogue& catalogue) {
  const absl::Time now = deps_.clock->Now();
  using Kind = ScalingAction::Kind;
  if (action.kind == Kind::kAddWorker || action.kind == Kind::kRemoveWorker) {
    if (deps_.provisioner == nullptr) return;
    Record(action, now);
    if (action.kind == Kind::kRemoveWorker) {
      deps_.cluster->SetDraining(action.worker_id, true);
      absl::MutexLock lock(&mu_);
      draining_[action.worker_id] = now;
      return;
    }
    absl::StatusOr<std::string> id = deps_.provisioner->AddWorker();
    if (!id.ok()) {
      LogWarning("worker start failed", {{"error", id.status().ToString()}});
      return;
    }
    absl::MutexLock lock(&mu_);
    starting_[*id] = now;
    return;
  }
  const controller::WorkerSnapshot* worker = nullptr;
  for (const controller::WorkerSnapshot& w : cluster.workers) {
    if (w.id == action.worker_id) worker = &w;
  }
  const v1::VariantRecord* record = catalogue.Find(action.variant);
  if (worker == nullptr || record == nullptr) return;
  // Never take away a pinned variant, nor one an offline job is using there
  // (the job would have to redo its chunks).
  const std::string& leaving = action.kind == Kind::kReplace ? action.replaces : action.variant;
  const bool removes = action.kind == Kind::kReplace || action.instances == 0;
  const controller::LoadedVariant* there = worker->Find(leaving);
  if (removes && ((deps_.pinned && deps_.pinned(leaving)) ||
                  (there != nullptr && there->offline_queue_length > 0))) {
    return;
  }
  Record(action, now);
  if (action.kind == Kind::kSetInstances) {
    SetInstances(*worker, *record, action.instances, worker->Find(action.variant));
    return;
  }
  // kReplace: the old variant goes only once the new one serves.
  CallbackBegins();
  deps_.loads->EnsureLoaded(
      *record, worker->id, worker->address,
      [this, worker_id = worker->id, address = worker->address,
       old = action.replaces](absl::Status s) {
        if (s.ok()) Unload(worker_id, address, old, 0);
        CallbackEnds();
      },
      action.instances);
}

void Autoscaler::SetInstances(const controller::WorkerSnapshot& worker,
                              const v1::VariantRecord& record, int instances,
                              const controller::LoadedVariant* current) {
  const int have = current != nullptr ? current->instances : 0;
  if (instances > have) {
    deps_.loads->EnsureLoaded(record, worker.id, worker.address, nullptr, instances);
  } else if (instances < have) {
    Unload(worker.id, worker.address, record.config().name(), instances);
  }
}

void Autoscaler::Unload(const std::string& worker_id, const std::string& address,
                        const std::string& variant, int keep) {
  {
    absl::MutexLock lock(&mu_);
    if (!unloading_.insert({worker_id, variant}).second) return;  // one at a time
  }
  // No query should go there from now on.
  if (keep == 0) deps_.cluster->NoteUnloading(worker_id, variant);
  auto call = std::make_shared<UnloadCall>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + kUnloadTimeout));
  call->request.set_variant(variant);
  call->request.set_keep_instances(keep);
  CallbackBegins();
  deps_.clients->For(address)->async()->UnloadVariant(
      &call->context, &call->request, &call->response,
      [this, call, worker_id, variant, keep](grpc::Status status) mutable {
        // Before CallbackEnds lets the destructor return: the call's
        // context holds the channel (see LoadCoordinator::EnsureLoaded).
        call.reset();
        const absl::Status s = FromGrpcStatus(status);
        if (!s.ok()) {
          LogWarning("unload failed",
                     {{"variant", variant}, {"worker", worker_id}, {"error", s.ToString()}});
          if (keep == 0) deps_.cluster->NoteUnloadFailed(worker_id, variant);
        }
        {
          absl::MutexLock lock(&mu_);
          unloading_.erase({worker_id, variant});
        }
        CallbackEnds();
      });
}

std::vector<Autoscaler::Event> Autoscaler::RecentEvents() const {
  absl::MutexLock lock(&mu_);
  return {events_.begin(), events_.end()};
}

}  // namespace infaas::autoscaler
