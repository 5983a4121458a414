#include "autoscaler/autoscaler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/timer_threads.h"

namespace infaas::autoscaler {
namespace {

constexpr size_t kEventsKept = 50;

// Work a worker still holds: online and offline queries queued there, and
// calls the master sent it that have not come back. A draining worker goes
// only once all are done, so that removing it loses no query nor chunk.
int WorkOn(const controller::WorkerSnapshot& worker) {
  int work = 0;
  for (const controller::LoadedVariant& v : worker.variants) {
    work += v.queue_length + v.offline_queue_length + v.InFlightQueries();
  }
  return work;
}

}  // namespace

Autoscaler::Autoscaler(Dependencies deps, std::unique_ptr<ScalingPolicy> policy, Options options)
    : deps_(deps),
      policy_name_(policy->name()),
      options_(options),
      policy_(std::move(policy)),
      // One snapshot per period in the history, however often rounds run.
      history_(options.history, options.period) {
  if (deps_.rounds == nullptr) {
    own_rounds_ = std::make_unique<TimerThreads>("autoscaler", 1, deps_.clock);
    deps_.rounds = own_rounds_.get();
  }
  if (deps_.provisioner_calls == nullptr) {
    own_provisioner_calls_ = std::make_unique<TimerThreads>("provisioner", 1, deps_.clock);
    deps_.provisioner_calls = own_provisioner_calls_.get();
  }
}

Autoscaler::~Autoscaler() {
  Stop();
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

void Autoscaler::Schedule(Scheduler* scheduler, absl::Duration delay, std::function<void()> task) {
  scheduler->After(delay, [life = life_, task = std::move(task)] {
    absl::ReaderMutexLock lock(&life->mu);
    if (life->running) task();
  });
}

void Autoscaler::Start() {
  LogInfo("autoscaler started",
          {{"policy", policy_name_},
           {"period_ms", absl::StrCat(absl::ToInt64Milliseconds(options_.period))},
           {"max_workers", absl::StrCat(options_.max_workers)},
           {"provisioner",
            deps_.provisioner != nullptr ? deps_.provisioner->Describe() : std::string("none")}});
  {
    absl::MutexLock lock(&requests_mu_);
    started_ = true;
  }
  Schedule(deps_.rounds, options_.period, [this] { PeriodicRound(); });
}

void Autoscaler::PeriodicRound() {
  Tick();
  Schedule(deps_.rounds, options_.period, [this] { PeriodicRound(); });
}

void Autoscaler::Stop() {
  absl::MutexLock lock(&life_->mu);
  life_->running = false;
}

void Autoscaler::RequestLoad(const controller::LoadRecommendation& load) {
  constexpr size_t kMaxPending = 256;  // a flood of queries asks for the same few loads
  absl::MutexLock lock(&requests_mu_);
  for (const controller::LoadRecommendation& r : requests_) {
    if (r.variant == load.variant && r.worker_id == load.worker_id) return;
  }
  if (requests_.size() >= kMaxPending) return;
  requests_.push_back(load);
  // A round at once, not at the end of the period: a query is waiting.
  if (!started_ || round_soon_) return;
  round_soon_ = true;
  const absl::Duration wait =
      std::max(absl::ZeroDuration(), last_round_ + options_.min_round_gap - deps_.clock->Now());
  Schedule(deps_.rounds, wait, [this] {
    {
      absl::MutexLock lock(&requests_mu_);
      round_soon_ = false;
    }
    Tick();
  });
}

std::optional<int64_t> Autoscaler::Lead() {
  const std::optional<int64_t> token =
      deps_.leadership != nullptr ? deps_.leadership->Token() : std::optional<int64_t>(0);
  if (token == term_) return token;
  if (!token.has_value()) {
    LogInfo("autoscaler pauses: this master no longer leads", {{"policy", policy_name_}});
  } else {
    // A new term: what the last one remembered may be stale; start from the
    // cluster as it is now.
    if (term_.has_value() || deps_.leadership != nullptr) {
      if (deps_.new_policy) policy_ = deps_.new_policy();
      history_ = ClusterHistory(options_.history, options_.period);
      absl::MutexLock lock(&mu_);
      starting_.clear();
    }
    LogInfo("autoscaler leads", {{"policy", policy_name_}, {"token", absl::StrCat(*token)}});
  }
  term_ = token;
  return token;
}

void Autoscaler::Tick() {
  absl::MutexLock tick(&tick_mu_);
  const std::optional<int64_t> token = Lead();
  if (!token.has_value()) {
    absl::MutexLock lock(&requests_mu_);
    requests_.clear();  // the leader's own router hands it what it needs
    return;
  }
  const absl::Time now = deps_.clock->Now();
  {
    absl::MutexLock lock(&requests_mu_);
    last_round_ = now;
  }
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
    // The term may end mid-round (the lease lapsed): act no further on it.
    if (deps_.leadership != nullptr && deps_.leadership->Token() != token) break;
    Execute(action, *cluster, *catalogue, *token);
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
  const std::map<std::string, absl::Time> draining = deps_.cluster->Draining();
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
    // Draining lives in the cluster view; a worker handed to the provisioner
    // stays draining there until it is gone.
    for (const auto& [id, since] : draining) {
      if (removing_.contains(id)) continue;
      const controller::WorkerSnapshot* w = find(id);
      // Its heartbeat must postdate the drain so the queue figure is fresh.
      const bool drained = w == nullptr || (w->last_heartbeat > since && WorkOn(*w) == 0);
      if (drained || now - since > options_.drain_timeout) {
        to_remove.push_back(id);
        removing_.insert(id);
      }
    }
  }
  for (const std::string& id : to_remove) {
    Schedule(deps_.provisioner_calls, absl::ZeroDuration(), [this, id] {
      if (absl::Status s = deps_.provisioner->RemoveWorker(id); !s.ok()) {
        LogWarning("worker removal failed", {{"worker", id}, {"error", s.ToString()}});
      }
      deps_.cluster->MarkDead(id);
      deps_.cluster->SetDraining(id, false, deps_.clock->Now());
      absl::MutexLock lock(&mu_);
      removing_.erase(id);
    });
  }
}

void Autoscaler::Record(const ScalingAction& action, absl::Time now) {
  LogInfo("autoscaler action", {{"policy", policy_name_},
                                {"action", Describe(action)},
                                {"variant", action.variant},
                                {"worker", action.worker_id}});
  if (deps_.on_action) deps_.on_action(action);
  absl::MutexLock lock(&mu_);
  events_.push_back({now, action});
  while (events_.size() > kEventsKept) events_.pop_front();
}

void Autoscaler::Execute(const ScalingAction& action, const controller::ClusterSnapshot& cluster,
                         const controller::Catalogue& catalogue, int64_t token) {
  const absl::Time now = deps_.clock->Now();
  using Kind = ScalingAction::Kind;
  if (action.kind == Kind::kAddWorker || action.kind == Kind::kRemoveWorker) {
    if (deps_.provisioner == nullptr) return;
    Record(action, now);
    if (action.kind == Kind::kRemoveWorker) {
      deps_.cluster->SetDraining(action.worker_id, true, now);
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
    SetInstances(*worker, *record, action.instances, worker->Find(action.variant), token);
    return;
  }
  // kReplace: the old variant goes only once the new one serves.
  CallbackBegins();
  deps_.loads->EnsureLoaded(
      *record, worker->id, worker->address,
      [this, worker_id = worker->id, address = worker->address, old = action.replaces,
       token](absl::Status s) {
        if (s.ok()) deps_.loads->Unload(worker_id, address, old, /*keep=*/0, nullptr, token);
        CallbackEnds();
      },
      action.instances, token);
}

void Autoscaler::SetInstances(const controller::WorkerSnapshot& worker,
                              const v1::VariantRecord& record, int instances,
                              const controller::LoadedVariant* current, int64_t token) {
  const int have = current != nullptr ? current->instances : 0;
  if (instances > have) {
    deps_.loads->EnsureLoaded(record, worker.id, worker.address, nullptr, instances, token);
  } else if (instances < have) {
    deps_.loads->Unload(worker.id, worker.address, record.config().name(), instances, nullptr,
                        token);
  }
}

std::vector<Autoscaler::Event> Autoscaler::RecentEvents() const {
  absl::MutexLock lock(&mu_);
  return {events_.begin(), events_.end()};
}

}  // namespace infaas::autoscaler
