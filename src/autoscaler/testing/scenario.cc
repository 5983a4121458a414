#include "autoscaler/testing/scenario.h"

#include <algorithm>

namespace infaas::autoscaler::testing {

Scenario::Scenario() : now_(absl::FromUnixSeconds(1'000'000)) {}

Scenario& Scenario::AddVariant(const VariantSpec& spec) {
  catalogue_.variants.push_back(MakeVariant(spec));
  return *this;
}

Scenario& Scenario::AddWorker(const std::string& id, int cores, bool removable) {
  controller::WorkerSnapshot w;
  w.id = id;
  w.address = id + ":1";
  w.cores = cores;
  w.free_memory_bytes = int64_t{8} << 30;
  workers_.push_back(std::move(w));
  if (removable) removable_.push_back(id);
  return *this;
}

Scenario& Scenario::RemoveWorker(const std::string& id) {
  std::erase_if(workers_, [&](const controller::WorkerSnapshot& w) { return w.id == id; });
  std::erase(removable_, id);
  return *this;
}

controller::WorkerSnapshot& Scenario::Worker(const std::string& id) {
  auto it = std::find_if(workers_.begin(), workers_.end(),
                         [&](const controller::WorkerSnapshot& w) { return w.id == id; });
  return *it;
}

Scenario& Scenario::Holds(const std::string& worker, const std::string& variant, int instances,
                          double arrival_qps, double average_batch) {
  controller::WorkerSnapshot& w = Worker(worker);
  std::erase_if(w.variants,
                [&](const controller::LoadedVariant& v) { return v.variant == variant; });
  if (instances > 0) {
    controller::LoadedVariant v;
    v.variant = variant;
    v.instances = instances;
    v.arrival_qps = arrival_qps;
    v.served_qps = arrival_qps;
    v.average_batch = average_batch;
    w.variants.push_back(std::move(v));
  }
  return *this;
}

Scenario& Scenario::SetCpu(const std::string& worker, double utilisation) {
  Worker(worker).cpu_utilization = utilisation;
  return *this;
}

Scenario& Scenario::SetDraining(const std::string& worker, bool draining) {
  Worker(worker).draining = draining;
  return *this;
}

Scenario& Scenario::SetDemand(const std::string& variant, double items_per_s, double slo_ms,
                              bool pinned, int largest_batch) {
  if (items_per_s <= 0) {
    demand_.variants.erase(variant);
  } else {
    demand_.variants[variant] = {.qps = items_per_s,
                                 .items_per_s = items_per_s,
                                 .tightest_slo_ms = slo_ms,
                                 .largest_batch = largest_batch,
                                 .pinned = pinned};
  }
  return *this;
}

Scenario& Scenario::SetUnmet(double qps) {
  demand_.unmet_qps = qps;
  return *this;
}

Scenario& Scenario::SetPool(int max_workers, int starting) {
  pool_.max_workers = max_workers;
  pool_.starting = starting;
  return *this;
}

const ScalingInput& Scenario::Tick(absl::Duration step) {
  now_ += step;
  auto snapshot = std::make_shared<controller::ClusterSnapshot>();
  snapshot->taken_at = now_;
  snapshot->workers = workers_;
  snapshot_ = snapshot;
  history_.Add(snapshot_);
  pool_.removable = removable_;
  input_ = ScalingInput{.catalogue = &catalogue_,
                        .cluster = snapshot_.get(),
                        .history = &history_,
                        .demand = &demand_,
                        .pool = pool_,
                        .now = now_,
                        .load_requests = std::move(requests_)};
  requests_.clear();
  return input_;
}

Scenario& Scenario::RequestLoad(const std::string& variant, const std::string& worker) {
  requests_.push_back({.variant = variant,
                       .worker_id = worker,
                       .worker_address = worker + ":1",
                       .reason = "a cheaper variant"});
  return *this;
}

void Scenario::Apply(const std::vector<ScalingAction>& actions) {
  for (const ScalingAction& a : actions) {
    if (a.kind == ScalingAction::Kind::kSetInstances) {
      const controller::LoadedVariant* old = Worker(a.worker_id).Find(a.variant);
      Holds(a.worker_id, a.variant, a.instances, old != nullptr ? old->arrival_qps : 0);
    } else if (a.kind == ScalingAction::Kind::kReplace) {
      Holds(a.worker_id, a.replaces, 0);
      Holds(a.worker_id, a.variant, a.instances);
    }
  }
}

std::vector<ScalingAction> Scenario::Run(ScalingPolicy& policy, int seconds) {
  std::vector<ScalingAction> all;
  for (int i = 0; i < seconds; ++i) {
    std::vector<ScalingAction> actions = policy.Decide(Tick());
    Apply(actions);
    all.insert(all.end(), actions.begin(), actions.end());
  }
  return all;
}

int Scenario::InstancesOf(const std::string& variant) const {
  int n = 0;
  for (const controller::WorkerSnapshot& w : workers_) {
    if (const controller::LoadedVariant* v = w.Find(variant)) n += v->instances;
  }
  return n;
}

std::vector<ScalingAction> OfKind(const std::vector<ScalingAction>& actions,
                                  ScalingAction::Kind kind) {
  std::vector<ScalingAction> out;
  for (const ScalingAction& a : actions) {
    if (a.kind == kind) out.push_back(a);
  }
  return out;
}

}  // namespace infaas::autoscaler::testing
