#include "autoscaler/capacity.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace infaas::autoscaler {

int ThreadsOf(const v1::VariantRecord& record) {
  return std::max(record.config().cpu_threads(), 1);
}

int MaxBatchOf(const v1::VariantRecord& record) {
  return std::max(record.config().max_batch_size(), 1);
}

double ThroughputPerInstance(const v1::VariantRecord& record, int batch) {
  const double latency_ms = controller::PredictLatencyMs(record.profile(), batch);
  if (!std::isfinite(latency_ms) || latency_ms <= 0) return 0;
  return 1000.0 * std::max(batch, 1) / latency_ms;
}

int UsableBatch(const v1::VariantRecord& record, double slo_ms) {
  const int max_batch = MaxBatchOf(record);
  if (slo_ms <= 0) return max_batch;
  for (int b = max_batch; b > 1; --b) {
    if (2 * controller::PredictLatencyMs(record.profile(), b) <= slo_ms) return b;
  }
  return 1;
}

std::map<std::string, Footprint> FootprintsOf(const controller::ClusterSnapshot& cluster) {
  std::map<std::string, Footprint> footprints;
  std::map<std::string, double> served;
  for (const controller::WorkerSnapshot& worker : cluster.workers) {
    for (const controller::LoadedVariant& v : worker.variants) {
      Footprint& f = footprints[v.variant];
      f.loading = f.loading || v.loading;
      f.instances += v.instances;
      f.per_worker[worker.id] += v.instances;
      f.arrival_qps += v.arrival_qps;
      f.average_batch += v.average_batch * v.served_qps;
      served[v.variant] += v.served_qps;
    }
  }
  for (auto& [name, f] : footprints) {
    f.average_batch = served[name] > 0 ? f.average_batch / served[name] : 0;
  }
  return footprints;
}

CoreLedger::CoreLedger(const controller::ClusterSnapshot& cluster,
                       const controller::Catalogue& catalogue) {
  for (const controller::WorkerSnapshot& worker : cluster.workers) {
    int committed = 0;
    int64_t memory = worker.free_memory_bytes;
    for (const controller::LoadedVariant& v : worker.variants) {
      const v1::VariantRecord* record = catalogue.Find(v.variant);
      const int threads = record != nullptr ? ThreadsOf(*record) : 1;
      committed += threads * std::max(v.instances, 1);
    }
    workers_[worker.id] = {.free_cores = std::max(0, worker.cores - committed),
                           .free_memory = memory,
                           .draining = worker.draining};
  }
}

int CoreLedger::FreeCores(const std::string& worker_id) const {
  auto it = workers_.find(worker_id);
  return it == workers_.end() ? 0 : it->second.free_cores;
}

void CoreLedger::Release(const std::string& worker_id, int cores) {
  auto it = workers_.find(worker_id);
  if (it != workers_.end()) it->second.free_cores += cores;
}

std::vector<ScalingAction> CoreLedger::Place(const v1::VariantRecord& record, int count,
                                             const Footprint& footprint, const std::string& reason,
                                             int* unplaced, const std::string& only_worker) {
  const int threads = ThreadsOf(record);
  const int64_t memory = record.profile().peak_memory_bytes();
  std::map<std::string, int> totals = footprint.per_worker;
  std::map<std::string, int> added;
  int left = count;
  while (left > 0) {
    // Holding it already first (no second copy of its files in the page
    // cache), then the most free cores, then the name for a total order.
    auto key = [&](const std::string& id, const Worker& w) {
      return std::make_tuple(totals.contains(id) ? 1 : 0, w.free_cores, w.free_memory);
    };
    std::string best;
    for (const auto& [id, w] : workers_) {
      if (w.draining || w.free_cores < threads || w.free_memory < memory) continue;
      if (!only_worker.empty() && id != only_worker) continue;
      if (best.empty() || key(id, w) > key(best, workers_.at(best))) best = id;
    }
    if (best.empty()) break;
    Worker& w = workers_.at(best);
    w.free_cores -= threads;
    w.free_memory -= memory;
    ++totals[best];
    ++added[best];
    --left;
  }
  *unplaced = left;
  std::vector<ScalingAction> actions;
  for (const auto& [id, n] : added) {
    actions.push_back({.kind = ScalingAction::Kind::kSetInstances,
                       .variant = record.config().name(),
                       .worker_id = id,
                       .instances = totals[id],
                       .reason = reason});
  }
  return actions;
}

std::vector<ScalingAction> PlanRemoval(const std::string& variant, const Footprint& footprint,
                                       int count, int keep_at_least,
                                       const std::vector<std::string>& removable,
                                       const std::string& reason) {
  std::map<std::string, int> totals = footprint.per_worker;
  int total = footprint.instances;
  std::map<std::string, bool> touched;
  auto is_removable = [&removable](const std::string& id) {
    return std::find(removable.begin(), removable.end(), id) != removable.end();
  };
  for (int i = 0; i < count && total > keep_at_least; ++i) {
    std::string best;
    for (const auto& [id, n] : totals) {
      if (n == 0) continue;
      auto key = [&](const std::string& w) { return std::make_pair(is_removable(w), totals[w]); };
      if (best.empty() || key(id) > key(best)) best = id;
    }
    if (best.empty()) break;
    --totals[best];
    --total;
    touched[best] = true;
  }
  std::vector<ScalingAction> actions;
  for (const auto& [id, unused] : touched) {
    actions.push_back({.kind = ScalingAction::Kind::kSetInstances,
                       .variant = variant,
                       .worker_id = id,
                       .instances = totals[id],
                       .reason = reason});
  }
  return actions;
}

}  // namespace infaas::autoscaler
