#include "sim/sim_master.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace infaas::sim {

struct SimMaster::Pending {
  controller::QueryRequirements requirements;
  std::function<void(const absl::Status&, const QueryOutcome&)> done;
  absl::Time start;
  absl::Time deadline;
  int attempts = 0;
  controller::Selection selection;
  absl::Time dispatched;
};

absl::StatusOr<std::unique_ptr<SimMaster>> SimMaster::Create(
    EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue, Options options) {
  std::unique_ptr<autoscaler::ScalingPolicy> policy =
      autoscaler::MakeScalingPolicy(options.policy, options.scaling);
  if (!catalogue->Indexed()) {
    // As the master's catalogue view does: selections look variants up.
    auto indexed = std::make_shared<controller::Catalogue>(*catalogue);
    indexed->BuildIndex();
    catalogue = std::move(indexed);
  }
  return std::unique_ptr<SimMaster>(
      new SimMaster(loop, std::move(catalogue), std::move(options), std::move(policy)));
}

SimMaster::SimMaster(EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue,
                     Options options, std::unique_ptr<autoscaler::ScalingPolicy> policy)
    : loop_(loop),
      catalogue_(std::move(catalogue)),
      options_(std::move(options)),
      policy_(std::move(policy)),
      cluster_(options_.dead_after, absl::Seconds(1), controller::kHeartbeatRefresh),
      demand_(loop->clock()) {}

void SimMaster::Start(int workers) {
  for (int i = 0; i < workers; ++i) AddWorker(NextWorkerId(), /*removable=*/false);
  loop_->After(options_.scale_period, [this] { Tick(); });
}

std::string SimMaster::NextWorkerId() { return absl::StrCat("sim-", next_worker_++); }

void SimMaster::AddWorker(const std::string& id, bool removable) {
  EmulatedWorker::Options worker = options_.worker;
  worker.id = id;
  worker.seed = options_.worker.seed * 1000003 + ++workers_started_;
  workers_[id] = std::make_unique<EmulatedWorker>(loop_, std::move(worker));
  up_since_[id] = loop_->now();
  if (removable) removable_.insert(id);
  Beat(id);
}

void SimMaster::Beat(const std::string& worker_id) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return;  // removed: no more beats
  cluster_.OnHeartbeat(it->second->Heartbeat(), loop_->now());
  loop_->After(options_.heartbeat, [this, worker_id] { Beat(worker_id); });
}

double SimMaster::worker_seconds() const {
  double total = retired_worker_seconds_;
  for (const auto& [id, since] : up_since_) total += absl::ToDoubleSeconds(loop_->now() - since);
  return total;
}

double SimMaster::busy_core_seconds() const {
  double total = retired_core_seconds_;
  for (const auto& [id, w] : workers_) total += w->busy_core_seconds();
  return total;
}

int SimMaster::instances() const {
  int n = 0;
  for (const auto& [id, w] : workers_) n += w->instances();
  return n;
}

// The autoscaler's round (autoscaler/autoscaler.cc: Tick), on virtual time.
void SimMaster::Tick() {
  const absl::Time now = loop_->now();
  auto cluster = std::make_shared<controller::ClusterSnapshot>(*cluster_.Snapshot(now));
  cluster->taken_at = now;
  history_.Add(cluster);
  const controller::DemandSnapshot demand = demand_.Snapshot();
  FollowUp(*cluster);
  autoscaler::WorkerPool pool;
  if (options_.max_workers > 0) {
    pool.max_workers = options_.max_workers;
    pool.starting = static_cast<int>(starting_.size());
    for (const controller::WorkerSnapshot& w : cluster->workers) {
      if (!w.draining && removable_.contains(w.id)) pool.removable.push_back(w.id);
    }
  }
  std::vector<controller::LoadRecommendation> requests;
  requests.swap(load_requests_);
  const autoscaler::ScalingInput input{.catalogue = catalogue_.get(),
                                       .cluster = cluster.get(),
                                       .history = &history_,
                                       .demand = &demand,
                                       .pool = std::move(pool),
                                       .now = now,
                                       .load_requests = std::move(requests)};
  for (const autoscaler::ScalingAction& action : policy_->Decide(input)) Execute(action, *cluster);
  loop_->After(options_.scale_period, [this] { Tick(); });
}

void SimMaster::FollowUp(const controller::ClusterSnapshot& cluster) {
  const absl::Time now = loop_->now();
  auto find = [&cluster](const std::string& id) -> const controller::WorkerSnapshot* {
    for (const controller::WorkerSnapshot& w : cluster.workers) {
      if (w.id == id) return &w;
    }
    return nullptr;
  };
  std::erase_if(starting_, [&](const auto& entry) { return find(entry.first) != nullptr; });
  for (const auto& [id, since] : cluster_.Draining()) {
    const controller::WorkerSnapshot* w = find(id);
    int queued = 0;
    if (w != nullptr) {
      for (const controller::LoadedVariant& v : w->variants) {
        queued += v.queue_length + v.offline_queue_length + v.InFlightQueries();
      }
    }
    const bool drained = w == nullptr || (w->last_heartbeat > since && queued == 0);
    if (!drained && now - since <= options_.drain_timeout) continue;
    auto worker = workers_.find(id);
    if (worker != workers_.end()) {
      retired_core_seconds_ += worker->second->busy_core_seconds();
      retired_worker_seconds_ += absl::ToDoubleSeconds(now - up_since_[id]);
      workers_.erase(worker);
      up_since_.erase(id);
      removable_.erase(id);
    }
    cluster_.MarkDead(id);
    cluster_.SetDraining(id, false, now);
  }
}

void SimMaster::Execute(const autoscaler::ScalingAction& action,
                        const controller::ClusterSnapshot& cluster) {
  using Kind = autoscaler::ScalingAction::Kind;
  const absl::Time now = loop_->now();
  if (action.kind == Kind::kAddWorker || action.kind == Kind::kRemoveWorker) {
    if (options_.max_workers == 0) return;
    actions_.push_back({now, action});
    if (action.kind == Kind::kRemoveWorker) {
      cluster_.SetDraining(action.worker_id, true, now);
      return;
    }
    const std::string id = NextWorkerId();
    starting_[id] = now;
    loop_->After(options_.worker_startup, [this, id] { AddWorker(id, /*removable=*/true); });
    return;
  }
  const controller::WorkerSnapshot* worker = nullptr;
  for (const controller::WorkerSnapshot& w : cluster.workers) {
    if (w.id == action.worker_id) worker = &w;
  }
  const v1::VariantRecord* record = catalogue_->Find(action.variant);
  if (worker == nullptr || record == nullptr) return;
  actions_.push_back({now, action});
  if (action.kind == Kind::kReplace) {
    const v1::VariantRecord* old = catalogue_->Find(action.replaces);
    const std::string worker_id = worker->id;
    EnsureLoaded(*record, worker_id, action.instances,
                 [this, worker_id, old](const absl::Status& s) {
                   if (s.ok() && old != nullptr) Unload(worker_id, *old, 0);
                 });
    return;
  }
  const controller::LoadedVariant* current = worker->Find(action.variant);
  const int have = current != nullptr ? current->instances : 0;
  if (action.instances > have) {
    EnsureLoaded(*record, worker->id, action.instances, nullptr);
  } else if (action.instances < have) {
    Unload(worker->id, *record, action.instances);
  }
}

// The load coordinator (controller/load_coordinator.cc): one load per
// (worker, variant) in flight; later callers join it.
void SimMaster::EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id,
                             int instances, std::function<void(const absl::Status&)> done) {
  const auto key = std::make_pair(worker_id, record.config().name());
  auto [it, first] = loading_.try_emplace(key);
  if (done) it->second.push_back(std::move(done));
  if (!first) return;
  cluster_.NoteLoading(worker_id, key.second, true);
  const absl::Duration half = options_.call_overhead / 2;
  loop_->After(half, [this, key, record, instances, half] {
    auto finish = [this, key, half](const absl::Status& s) {
      loop_->After(half, [this, key, s] {
        if (s.ok()) {
          cluster_.NoteLoaded(key.first, key.second);
        } else {
          cluster_.NoteLoading(key.first, key.second, false);
        }
        std::vector<std::function<void(const absl::Status&)>> waiting = std::move(loading_[key]);
        loading_.erase(key);
        for (auto& waiter : waiting) waiter(s);
      });
    };
    auto worker = workers_.find(key.first);
    if (worker == workers_.end()) {
      finish(absl::UnavailableError(absl::StrCat("worker ", key.first, " is gone")));
      return;
    }
    worker->second->Load(record, instances, finish);
  });
}

void SimMaster::Unload(const std::string& worker_id, const v1::VariantRecord& record, int keep) {
  const std::string variant = record.config().name();
  if (keep == 0) cluster_.NoteUnloading(worker_id, variant);
  loop_->After(options_.call_overhead, [this, worker_id, variant, keep] {
    auto worker = workers_.find(worker_id);
    const absl::Status s = worker == workers_.end() ? absl::UnavailableError("the worker is gone")
                                                    : worker->second->Unload(variant, keep);
    if (!s.ok() && keep == 0) cluster_.NoteUnloadFailed(worker_id, variant);
  });
}

void SimMaster::Query(const controller::QueryRequirements& requirements,
                      std::function<void(const absl::Status&, const QueryOutcome&)> done) {
  auto query = std::make_shared<Pending>();
  query->requirements = requirements;
  query->done = std::move(done);
  query->start = loop_->now();
  query->deadline = query->start + options_.client_timeout;
  Place(std::move(query));
}

// The router's placement (controller/query_router.cc: Place).
void SimMaster::Place(std::shared_ptr<Pending> query) {
  ++query->attempts;
  std::shared_ptr<const controller::ClusterSnapshot> cluster = cluster_.Snapshot(loop_->now());
  controller::SelectorDecision decision =
      controller::SelectVariant(query->requirements, *catalogue_, *cluster, options_.selector);
  // The autoscaler owns placement: the selector's loads are its input.
  if (decision.background_load.has_value()) load_requests_.push_back(*decision.background_load);
  if (!decision.selection.ok()) {
    Finish(std::move(query), decision.selection.status());
    return;
  }
  query->selection = *decision.selection;
  demand_.OnVariantSelected(query->requirements, query->selection);
  const v1::VariantRecord* record = catalogue_->Find(query->selection.variant);
  if (record == nullptr) {
    Finish(std::move(query), absl::InternalError("selected variant missing from the catalogue"));
    return;
  }
  if (!query->selection.needs_load && !query->selection.wait_for_load) {
    Dispatch(std::move(query));
    return;
  }
  EnsureLoaded(*record, query->selection.worker_id, 1, [this, query](const absl::Status& s) {
    if (!s.ok()) {
      Finish(query, s);
      return;
    }
    Dispatch(query);
  });
}

// The router's dispatch and reply (query_router.cc: Dispatch, OnReply).
void SimMaster::Dispatch(std::shared_ptr<Pending> query) {
  const absl::Time now = loop_->now();
  const double slo_ms = query->requirements.latency_slo_ms;
  const absl::Duration half = options_.call_overhead / 2;
  absl::Time worker_deadline = query->deadline;
  if (slo_ms > 0) {
    const double budget_ms = slo_ms - absl::ToDoubleMilliseconds(now - query->start) -
                             query->selection.call_overhead_p90_ms;
    if (budget_ms <= 0) {
      Finish(std::move(query),
             absl::DeadlineExceededError("the latency target passed before the query was sent"));
      return;
    }
    worker_deadline = std::min(worker_deadline, now + half + absl::Microseconds(budget_ms * 1000));
  }
  query->dispatched = now;
  const controller::Selection& chosen = query->selection;
  cluster_.NoteDispatched(chosen.worker_id, chosen.variant, query->requirements.batch_size);
  loop_->After(half, [this, query, worker_deadline, half] {
    auto on_reply = [this, query, half](const absl::Status& status, const SimAnswer& answer) {
      loop_->After(half, [this, query, status, answer] {
        const controller::Selection& chosen = query->selection;
        const absl::Time now = loop_->now();
        const double call_ms = absl::ToDoubleMilliseconds(now - query->dispatched);
        const double overhead_ms = status.ok()
                                       ? call_ms - absl::ToDoubleMilliseconds(answer.queue_time) -
                                             absl::ToDoubleMilliseconds(answer.compute_time)
                                       : -1;
        cluster_.NoteAnswered(chosen.worker_id, chosen.variant, query->requirements.batch_size,
                              overhead_ms);
        // Only the emulated worker refuses (the router's own refusals never
        // reach a worker).
        if (absl::IsResourceExhausted(status)) {
          cluster_.NoteRefused(chosen.worker_id, chosen.variant, now);
        }
        const bool retryable = absl::IsUnavailable(status) || absl::IsNotFound(status);
        if (!status.ok() && retryable && query->attempts < 2 && now < query->deadline) {
          Place(query);
          return;
        }
        Finish(query, status);
      });
    };
    auto worker = workers_.find(query->selection.worker_id);
    if (worker == workers_.end()) {
      cluster_.MarkDead(query->selection.worker_id);
      on_reply(absl::UnavailableError("the worker is gone"), {});
      return;
    }
    worker->second->Infer({.variant = query->selection.variant,
                           .examples = query->requirements.batch_size,
                           .deadline = worker_deadline,
                           .done = on_reply});
  });
}

void SimMaster::Finish(std::shared_ptr<Pending> query, const absl::Status& status) {
  const absl::Duration elapsed = loop_->now() - query->start;
  absl::StatusOr<v1::QueryOnlineResponse> result = v1::QueryOnlineResponse();
  if (status.ok()) {
    result->set_variant(query->selection.variant);
  } else {
    result = status;
  }
  demand_.OnQueryDone(query->requirements, result, elapsed);
  query->done(status, {.variant = status.ok() ? query->selection.variant : "", .latency = elapsed});
}

}  // namespace infaas::sim
