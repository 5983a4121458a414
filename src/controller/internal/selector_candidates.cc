#include "controller/internal/selector_candidates.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"

#include "absl/strings/string_view.h"
#include "latency/latency_model.h"

namespace infaas::controller::internal {
namespace {

bool MeetsAccuracy(const v1::VariantRecord& record, const QueryRequirements& requirements) {
  return record.profile().accuracy_percent() >= requirements.min_accuracy_percent;
}

// 0: serving and not overloaded; 1: needs (or waits for) a load; 2: overloaded.
int Tier(const Candidate& c) {
  if (c.readiness != Readiness::kServing) return 1;
  return c.overloaded ? 2 : 0;
}

// RanksBefore's key.
auto RequirementsKey(const Candidate& c) {
  return std::make_tuple(Tier(c), c.cost, c.queue_per_instance, c.worker->cpu_utilization,
                         c.predicted_ms, MaxBatch(*c.record),
                         absl::string_view(c.record->config().name()),
                         absl::string_view(c.worker->id));
}

// A first load in a worker process also sets the engine up, and the
// profile's figure comes from a warm profiler: until a worker has measured
// a variant's load, expect it to take this many times the profile's.
constexpr double kUnmeasuredLoadFactor = 3;

// The load time to expect: measured on this cluster if it has been, else
// the profile's, scaled as above.
double LoadMs(const v1::VariantRecord& record, const ClusterSnapshot& cluster) {
  if (const double measured = cluster.measured_load_ms.Of(record.config().name()); measured > 0) {
    return measured;
  }
  return kUnmeasuredLoadFactor * record.profile().load_latency_ms();
}

}  // namespace

bool Overloaded(const LoadedVariant& loaded, const SelectorOptions& options) {
  if (!loaded.serving()) return false;
  const int64_t ahead =
      std::max<int64_t>(std::max(loaded.queue_length, 0), loaded.InFlightExamples());
  return static_cast<double>(ahead) / std::max(loaded.instances, 1) >
             options.overload_queue_per_instance ||
         loaded.RefusedRecently();
}

Candidate MakeCandidate(const v1::VariantRecord& record, const WorkerSnapshot& worker,
                        const LoadedVariant* loaded, int batch, const ClusterSnapshot& cluster,
                        const SelectorOptions& options) {
  static const std::vector<latency::BatchTiming> kNoRuns;
  const std::vector<latency::BatchTiming>& runs = loaded != nullptr ? loaded->execution : kNoRuns;
  Candidate c;
  c.record = &record;
  c.worker = &worker;
  c.service_ms = latency::EstimateExecution(record.profile(), runs, batch).median_ms;
  c.cost = ProfileCost(record, batch);
  if (loaded == nullptr) {
    c.readiness = Readiness::kCold;
    c.load_ms = LoadMs(record, cluster);
    c.wait_ms = c.load_ms;
  } else {
    // Loading more instances of a variant that serves does not hold it up.
    c.readiness = loaded->serving() ? Readiness::kServing : Readiness::kLoading;
    // What the worker reported queued, or what this master has sent there
    // since, whichever is more; the instances share it evenly and run it in
    // batches of up to the max batch.
    const int64_t ahead =
        std::max<int64_t>(std::max(loaded->queue_length, 0), loaded->InFlightExamples());
    const int instances = std::max(loaded->instances, 1);
    c.queue_length = static_cast<int>(std::min<int64_t>(ahead, 1 << 30));
    c.queue_per_instance = static_cast<double>(ahead) / instances;
    c.wait_ms = latency::BacklogMs(record.profile(), runs, ahead, MaxBatch(record)) / instances;
    if (!loaded->serving()) {
      c.load_ms = LoadMs(record, cluster);
      c.wait_ms += c.load_ms;
    }
    c.overloaded = Overloaded(*loaded, options);
  }
  c.wait_ms += worker.CallOverheadMs();
  c.predicted_ms = c.wait_ms + c.service_ms;
  c.admission_ms = c.predicted_ms - worker.CallOverheadMs() +
                   std::max(worker.CallOverheadMs(), worker.CallOverheadP90Ms());
  return c;
}

int MaxBatch(const v1::VariantRecord& record) {
  return std::max(record.config().max_batch_size(), 1);
}

int CpuThreads(const v1::VariantRecord& record) {
  return std::max(record.config().cpu_threads(), 1);
}

double ProfileCost(const v1::VariantRecord& record, int batch) {
  return CpuThreads(record) * latency::ProfileMedianMs(record.profile(), batch);
}

bool InputMatches(const v1::VariantRecord& record, const std::vector<int64_t>& dims) {
  const auto& declared = record.config().input().dims();
  if (dims.empty() || declared.empty()) return true;
  if (dims.size() == 1 && declared.size() == 3) {
    return (declared[1] == -1 || declared[1] == dims[0]) &&
           (declared[2] == -1 || declared[2] == dims[0]);
  }
  if (declared.size() != static_cast<int>(dims.size())) return false;
  for (int i = 0; i < declared.size(); ++i) {
    if (declared[i] != -1 && declared[i] != dims[i]) return false;
  }
  return true;
}

bool RanksBefore(const Candidate& a, const Candidate& b) {
  return RequirementsKey(a) < RequirementsKey(b);
}

double UntilInTimeMs(const Candidate& c, const QueryRequirements& requirements) {
  return std::max(c.predicted_ms - requirements.latency_slo_ms, 1.0);
}

bool WorthLoadingInBackground(const Candidate& chosen, const Candidate& to_load,
                              const SelectorOptions& options) {
  if (chosen.readiness != Readiness::kServing) return false;
  if (chosen.overloaded) return true;
  // The same variant elsewhere saves no core time.
  if (to_load.record == chosen.record) return false;
  return chosen.cost >= options.background_load_min_cost_ratio * to_load.cost;
}

namespace {

// ChooseLoadWorker over the snapshot's index: the load order is the key's
// order but for its first element (enough idle cores), so the first
// eligible worker with enough idle cores wins, else the first eligible.
// `holders`: the record's in the index, or null.
const WorkerSnapshot* ChooseIndexed(const v1::VariantRecord& record, const ClusterSnapshot& cluster,
                                    const std::vector<ClusterSnapshot::Holder>* holders) {
  const int threads = CpuThreads(record);
  auto holds = [holders](uint32_t worker) {
    if (holders == nullptr) return false;
    auto it =
        std::lower_bound(holders->begin(), holders->end(), worker,
                         [](const ClusterSnapshot::Holder& h, uint32_t w) { return h.worker < w; });
    return it != holders->end() && it->worker == worker;
  };
  const WorkerSnapshot* fallback = nullptr;
  for (uint32_t i : cluster.load_order) {
    const WorkerSnapshot& worker = cluster.workers[i];
    // Most free memory first: once one cannot hold it, none after can.
    if (worker.free_memory_bytes < record.profile().peak_memory_bytes()) break;
    if (holds(i)) continue;
    if (worker.IdleCores() >= threads) return &worker;
    if (fallback == nullptr) fallback = &worker;
  }
  return fallback;
}

}  // namespace

const WorkerSnapshot* ChooseLoadWorker(const v1::VariantRecord& record,
                                       const ClusterSnapshot& cluster) {
  if (cluster.indexed) {
    return ChooseIndexed(record, cluster, cluster.HoldersOf(record.config().name()));
  }
  const int threads = CpuThreads(record);
  auto key = [threads](const WorkerSnapshot& w) {
    // Larger is better on every element but the id.
    return std::make_tuple(w.IdleCores() >= threads, w.free_memory_bytes, w.IdleCores());
  };
  const WorkerSnapshot* best = nullptr;
  for (const WorkerSnapshot& worker : cluster.workers) {
    if (worker.draining || worker.Find(record.config().name()) != nullptr) continue;
    if (worker.free_memory_bytes < record.profile().peak_memory_bytes()) continue;
    if (best == nullptr || key(worker) > key(*best) ||
        (key(worker) == key(*best) && worker.id < best->id)) {
      best = &worker;
    }
  }
  return best;
}

std::vector<Candidate> BuildCandidates(const std::vector<const v1::VariantRecord*>& records,
                                       const ClusterSnapshot& cluster, int batch,
                                       const SelectorOptions& options) {
  std::vector<Candidate> candidates;
  for (const v1::VariantRecord* record : records) {
    const std::string& name = record->config().name();
    auto consider = [&](const WorkerSnapshot& worker, const LoadedVariant* loaded) {
      if (loaded != nullptr && !worker.draining) {
        candidates.push_back(MakeCandidate(*record, worker, loaded, batch, cluster, options));
      }
    };
    const std::vector<ClusterSnapshot::Holder>* holders = nullptr;
    if (cluster.indexed) {
      holders = cluster.HoldersOf(name);
      if (holders != nullptr) {
        for (const ClusterSnapshot::Holder& h : *holders) {
          const WorkerSnapshot& worker = cluster.workers[h.worker];
          consider(worker, &worker.variants[h.slot]);
        }
      }
    } else {
      for (const WorkerSnapshot& worker : cluster.workers) consider(worker, worker.Find(name));
    }
    const WorkerSnapshot* target = cluster.indexed ? ChooseIndexed(*record, cluster, holders)
                                                   : ChooseLoadWorker(*record, cluster);
    if (target != nullptr) {
      candidates.push_back(MakeCandidate(*record, *target, nullptr, batch, cluster, options));
    }
  }
  return candidates;
}

std::vector<Candidate> Pickable(const std::vector<Candidate>& all,
                                const QueryRequirements& requirements) {
  std::vector<Candidate> pickable;
  pickable.reserve(all.size());
  for (const Candidate& c : all) {
    if (!MeetsAccuracy(*c.record, requirements)) continue;
    // Cold, the estimate is the profile's: one slower than the target is
    // neither chosen nor loaded for this query.
    if (c.readiness == Readiness::kCold &&
        !(PredictLatencyMs(c.record->profile(), requirements.batch_size) <=
          requirements.latency_slo_ms)) {
      continue;
    }
    pickable.push_back(c);
  }
  return pickable;
}

const Candidate* BestQualifying(const std::vector<Candidate>& candidates,
                                const QueryRequirements& requirements) {
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (!MeetsAccuracy(*c.record, requirements)) continue;
    if (!(c.admission_ms <= requirements.latency_slo_ms)) continue;
    if (best == nullptr || RanksBefore(c, *best)) best = &c;
  }
  return best;
}

const Candidate* BestToLoad(const std::vector<Candidate>& candidates,
                            const QueryRequirements& requirements) {
  // One load at a time: while a variant that would qualify is loading, the
  // queries wait for it rather than each starting another sibling.
  absl::flat_hash_set<const v1::VariantRecord*> loading;
  for (const Candidate& c : candidates) {
    if (c.readiness != Readiness::kLoading) continue;
    if (MeetsAccuracy(*c.record, requirements) && c.service_ms <= requirements.latency_slo_ms) {
      return nullptr;
    }
    loading.insert(c.record);
  }
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (c.readiness != Readiness::kCold || !MeetsAccuracy(*c.record, requirements)) continue;
    if (!(c.service_ms <= requirements.latency_slo_ms) || loading.contains(c.record)) continue;
    if (best == nullptr || RanksBefore(c, *best)) best = &c;
  }
  return best;
}

const Candidate* BestBusy(const std::vector<Candidate>& candidates,
                          const QueryRequirements& requirements) {
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (c.readiness != Readiness::kServing || !QualifiesWhenIdle(*c.record, requirements)) continue;
    if (best == nullptr || c.predicted_ms < best->predicted_ms) best = &c;
  }
  return best;
}

const Candidate* BestForNamedVariant(const std::vector<Candidate>& candidates) {
  auto key = [](const Candidate& c) {
    return std::make_tuple(static_cast<int>(c.readiness), c.queue_per_instance,
                           c.worker->cpu_utilization, absl::string_view(c.worker->id));
  };
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (best == nullptr || key(c) < key(*best)) best = &c;
  }
  return best;
}

bool QualifiesWhenIdle(const v1::VariantRecord& record, const QueryRequirements& requirements) {
  return MeetsAccuracy(record, requirements) &&
         PredictLatencyMs(record.profile(), requirements.batch_size) <= requirements.latency_slo_ms;
}

}  // namespace infaas::controller::internal
