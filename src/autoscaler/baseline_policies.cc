#include "autoscaler/baseline_policies.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "autoscaler/capacity.h"

namespace infaas::autoscaler {
namespace {

constexpr double kOriginalSlack = 0.95;
constexpr double kOriginalUpgradeRatio = 1.5;
constexpr int kOriginalLowReadings = 10;
constexpr double kIndividualUtilisation = 0.95;

int SeenBatch(double average_batch) {
  return std::max(1, static_cast<int>(std::lround(average_batch)));
}

// The variant of the same architecture, framework and threads with the next
// larger max batch, if registered.
const v1::VariantRecord* NextBatchSibling(const v1::VariantRecord& record,
                                          const controller::Catalogue& catalogue) {
  const v1::VariantRecord* best = nullptr;
  for (const v1::VariantRecord& other : catalogue.variants) {
    if (other.config().architecture() != record.config().architecture() ||
        other.config().framework() != record.config().framework() ||
        ThreadsOf(other) != ThreadsOf(record) || MaxBatchOf(other) <= MaxBatchOf(record)) {
      continue;
    }
    if (best == nullptr || MaxBatchOf(other) < MaxBatchOf(*best)) best = &other;
  }
  return best;
}

void Append(std::vector<ScalingAction>* to, std::vector<ScalingAction> from) {
  to->insert(to->end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

std::vector<ScalingAction> Infaas2021Policy::Decide(const ScalingInput& input) {
  const controller::Catalogue& catalogue = *input.catalogue;
  CoreLedger ledger(*input.cluster, catalogue);
  std::vector<ScalingAction> actions = RequestedLoads(input);
  std::map<Key, int> low_readings;
  for (const controller::WorkerSnapshot& worker : input.cluster->workers) {
    for (const controller::LoadedVariant& v : worker.variants) {
      const v1::VariantRecord* record = catalogue.Find(v.variant);
      if (record == nullptr || v.loading || !v.serving()) continue;
      const Key key{worker.id, v.variant};
      const int n = v.instances;
      const double per_instance = ThroughputPerInstance(*record, SeenBatch(v.average_batch));
      if (per_instance <= 0) continue;
      const double w = v.arrival_qps;
      Footprint here;
      here.instances = n;
      here.per_worker[worker.id] = n;
      if (w > kOriginalSlack * n * per_instance) {
        const int add =
            static_cast<int>(std::ceil((w - kOriginalSlack * n * per_instance) / per_instance));
        const v1::VariantRecord* bigger = NextBatchSibling(*record, catalogue);
        const double replicate_cost = record->profile().load_latency_ms() * add;
        if (bigger != nullptr && !worker.Find(bigger->config().name()) &&
            replicate_cost > kOriginalUpgradeRatio * bigger->profile().load_latency_ms() * n) {
          actions.push_back({.kind = ScalingAction::Kind::kReplace,
                             .variant = bigger->config().name(),
                             .replaces = v.variant,
                             .worker_id = worker.id,
                             .instances = n,
                             .reason = "upgrade: replicating costs 1.5x more"});
        } else {
          int unplaced = 0;
          Append(&actions, ledger.Place(*record, add, here,
                                        absl::StrFormat("%.0f qps over 0.95 x capacity", w),
                                        &unplaced, worker.id));
        }
        last_change_[key] = input.now;
        continue;
      }
      if (w > (n - 1) * per_instance) continue;
      low_readings[key] = low_readings_[key] + 1;
      const absl::Duration load_latency =
          absl::Milliseconds(record->profile().load_latency_ms()) * options_.time_scale;
      const auto changed = last_change_.find(key);
      const bool settled =
          changed == last_change_.end() || input.now - changed->second >= load_latency;
      if (low_readings[key] < kOriginalLowReadings || !settled) continue;
      low_readings.erase(key);
      last_change_[key] = input.now;
      actions.push_back({.kind = ScalingAction::Kind::kSetInstances,
                         .variant = v.variant,
                         .worker_id = worker.id,
                         .instances = n - 1,
                         .reason = absl::StrFormat("%.0f qps fit in %d instance(s)", w, n - 1)});
    }
  }
  low_readings_ = std::move(low_readings);
  Append(&actions, workers_.Decide(input));
  return actions;
}

std::vector<ScalingAction> IndividualPolicy::Decide(const ScalingInput& input) {
  const controller::Catalogue& catalogue = *input.catalogue;
  CoreLedger ledger(*input.cluster, catalogue);
  std::vector<ScalingAction> actions = RequestedLoads(input);
  std::map<std::string, absl::Time> low_since;
  for (const auto& [name, footprint] : FootprintsOf(*input.cluster)) {
    const v1::VariantRecord* record = catalogue.Find(name);
    if (record == nullptr || footprint.instances == 0 || footprint.loading) continue;
    const double per_instance = ThroughputPerInstance(*record, SeenBatch(footprint.average_batch));
    if (per_instance <= 0) continue;
    const double w = footprint.arrival_qps;
    if (w == 0) {
      if (input.now - input.history->QuietSince(name) >=
          options_.Scaled(options_.min_idle_before_unload)) {
        Append(&actions,
               PlanRemoval(name, footprint, footprint.instances, 0, input.pool.removable, "idle"));
        continue;
      }
    }
    const int needed =
        std::max(1, static_cast<int>(std::ceil(w / (kIndividualUtilisation * per_instance))));
    if (needed > footprint.instances) {
      int unplaced = 0;
      Append(&actions,
             ledger.Place(*record, needed - footprint.instances, footprint,
                          absl::StrFormat("%.0f qps need %d instance(s)", w, needed), &unplaced));
      continue;
    }
    if (needed == footprint.instances) continue;
    const absl::Time since = low_since_.contains(name) ? low_since_.at(name) : input.now;
    low_since[name] = since;
    if (input.now - since < options_.Scaled(options_.scale_down_after)) continue;
    low_since[name] = input.now;
    Append(&actions, PlanRemoval(name, footprint, 1, 1, input.pool.removable,
                                 absl::StrFormat("%.0f qps fit in %d instance(s)", w, needed)));
  }
  low_since_ = std::move(low_since);
  Append(&actions, workers_.Decide(input));
  return actions;
}

}  // namespace infaas::autoscaler
