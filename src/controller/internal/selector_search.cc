#include "controller/internal/selector_search.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace infaas::controller::internal {
namespace {

// The checks ByCost's order leaves to the query: accuracy and input.
bool Usable(const v1::VariantRecord& record, const QueryRequirements& q) {
  return record.profile().accuracy_percent() >= q.min_accuracy_percent &&
         InputMatches(record, q.input_dims);
}

// Whether `record` is among the variants the query chooses from.
bool InScope(const v1::VariantRecord& record, const QueryRequirements& q) {
  const v1::ModelConfig& c = record.config();
  if (!q.architecture.empty()) return c.architecture() == q.architecture;
  return c.task() == q.task && c.dataset() == q.dataset;
}

// The best serving option that is neither overloaded nor late, visiting
// `order` up to the first cost above the best found.
std::optional<Candidate> BestServing(const std::vector<uint32_t>& order, const QueryRequirements& q,
                                     const Catalogue& catalogue, const ClusterSnapshot& cluster,
                                     const SelectorOptions& options) {
  std::optional<Candidate> best;
  for (uint32_t position : order) {
    const v1::VariantRecord& record = catalogue.variants[position];
    if (best.has_value() && ProfileCost(record, q.batch_size) > best->cost) break;
    if (!Usable(record, q)) continue;
    const std::vector<ClusterSnapshot::Holder>* holders = cluster.HoldersOf(record.config().name());
    if (holders == nullptr) continue;
    for (const ClusterSnapshot::Holder& h : *holders) {
      const WorkerSnapshot& worker = cluster.workers[h.worker];
      const LoadedVariant& loaded = worker.variants[h.slot];
      if (worker.draining || !loaded.serving() || Overloaded(loaded, options)) continue;
      Candidate c = MakeCandidate(record, worker, &loaded, q.batch_size, cluster, options);
      if (!(c.admission_ms <= q.latency_slo_ms)) continue;
      if (!best.has_value() || RanksBefore(c, *best)) best = c;
    }
  }
  return best;
}

// BestToLoad's rule "one load at a time", from the snapshot's first loads:
// true when a variant of the scope that would qualify is loading already;
// else the scope's variants loading, which are not loaded again.
bool ALoadWouldServe(const QueryRequirements& q, const Catalogue& catalogue,
                     const ClusterSnapshot& cluster, const SelectorOptions& options,
                     absl::InlinedVector<const v1::VariantRecord*, 4>* loading) {
  for (const ClusterSnapshot::Holder& h : cluster.first_loads) {
    const WorkerSnapshot& worker = cluster.workers[h.worker];
    if (worker.draining) continue;
    const LoadedVariant& entry = worker.variants[h.slot];
    const v1::VariantRecord* record = catalogue.Find(entry.variant);
    if (record == nullptr || !InScope(*record, q) || !Usable(*record, q) ||
        q.batch_size > MaxBatch(*record) || !std::isfinite(ProfileCost(*record, q.batch_size)) ||
        worker.Find(entry.variant) != &entry) {  // listed twice: the first counts
      continue;
    }
    const Candidate c = MakeCandidate(*record, worker, &entry, q.batch_size, cluster, options);
    if (c.service_ms <= q.latency_slo_ms) return true;
    loading->push_back(record);
  }
  return false;
}

// The background load for a query served by `chosen`: the best cold
// option among the variants cheap enough to be worth loading (a prefix of
// `order`), as BestToLoad would find it among every candidate; the caller
// still asks WorthLoadingInBackground.
std::optional<Candidate> CheaperToLoad(const Candidate& chosen, const std::vector<uint32_t>& order,
                                       const QueryRequirements& q, const Catalogue& catalogue,
                                       const ClusterSnapshot& cluster,
                                       const SelectorOptions& options) {
  std::optional<Candidate> best;
  absl::InlinedVector<const v1::VariantRecord*, 4> loading;
  bool loads_checked = false;
  for (uint32_t position : order) {
    const v1::VariantRecord& record = catalogue.variants[position];
    if (options.background_load_min_cost_ratio * ProfileCost(record, q.batch_size) > chosen.cost) {
      break;
    }
    if (!Usable(record, q) ||
        !(PredictLatencyMs(record.profile(), q.batch_size) <= q.latency_slo_ms)) {
      continue;
    }
    const WorkerSnapshot* target = ChooseLoadWorker(record, cluster);
    if (target == nullptr) continue;
    if (!loads_checked) {
      if (ALoadWouldServe(q, catalogue, cluster, options, &loading)) return std::nullopt;
      loads_checked = true;
    }
    if (std::find(loading.begin(), loading.end(), &record) != loading.end()) continue;
    Candidate c = MakeCandidate(record, *target, nullptr, q.batch_size, cluster, options);
    if (!best.has_value() || RanksBefore(c, *best)) best = c;
  }
  // None here: the cheapest cold option overall costs too much to be
  // worth it (WorthLoadingInBackground), or there is none.
  return best;
}

}  // namespace

std::optional<ServingChoice> SearchServing(const QueryRequirements& requirements,
                                           const Catalogue& catalogue,
                                           const ClusterSnapshot& cluster,
                                           const SelectorOptions& options) {
  if (!cluster.indexed || cluster.workers.empty()) return std::nullopt;
  const std::vector<uint32_t>* order = catalogue.ByCost(requirements, requirements.batch_size);
  if (order == nullptr) return std::nullopt;
  std::optional<Candidate> chosen = BestServing(*order, requirements, catalogue, cluster, options);
  if (!chosen.has_value()) return std::nullopt;
  std::optional<Candidate> to_load =
      CheaperToLoad(*chosen, *order, requirements, catalogue, cluster, options);
  return ServingChoice{.chosen = *chosen, .to_load = std::move(to_load)};
}

}  // namespace infaas::controller::internal
