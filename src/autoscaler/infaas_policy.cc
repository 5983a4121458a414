#include "autoscaler/infaas_policy.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_format.h"
#include "autoscaler/capacity.h"

namespace infaas::autoscaler {
namespace {

struct Plan {
  const v1::VariantRecord* record = nullptr;
  int instances = 0;
  int cores = 0;
};

// Instances of `record` that serve `items_per_s` at `utilisation` within `slo_ms`.
Plan PlanFor(const v1::VariantRecord& record, double items_per_s, double slo_ms,
             double utilisation) {
  const double per_instance = ThroughputPerInstance(record, UsableBatch(record, slo_ms));
  Plan plan{.record = &record};
  if (per_instance <= 0) {
    plan.instances = 1;
  } else {
    plan.instances =
        std::max(1, static_cast<int>(std::ceil(items_per_s / (utilisation * per_instance))));
  }
  plan.cores = plan.instances * ThreadsOf(record);
  return plan;
}

bool SameInput(const v1::VariantRecord& a, const v1::VariantRecord& b) {
  const auto& x = a.config().input().dims();
  const auto& y = b.config().input().dims();
  return std::equal(x.begin(), x.end(), y.begin(), y.end());
}

// The sibling that serves the demand with the fewest cores, if any is
// cheaper than `current`; loaded or loading ones are skipped.
std::optional<Plan> CheapestSibling(const v1::VariantRecord& current, const Plan& current_plan,
                                    const controller::Catalogue& catalogue,
                                    const std::map<std::string, Footprint>& footprints,
                                    const controller::VariantDemand& demand, double utilisation) {
  const double items_per_s = demand.items_per_s;
  const double slo_ms = demand.tightest_slo_ms;
  std::optional<Plan> best;
  for (const v1::VariantRecord& other : catalogue.variants) {
    if (&other == &current || other.config().name() == current.config().name()) continue;
    if (other.config().architecture() != current.config().architecture() ||
        !SameInput(other, current))
      continue;
    if (other.profile().accuracy_percent() < current.profile().accuracy_percent() - 0.1) continue;
    if (footprints.contains(other.config().name())) continue;
    // It must take the largest query seen, within the SLO.
    if (MaxBatchOf(other) < demand.largest_batch) continue;
    if (slo_ms > 0 &&
        controller::PredictLatencyMs(other.profile(), std::max(1, demand.largest_batch)) > slo_ms) {
      continue;
    }
    Plan plan = PlanFor(other, items_per_s, slo_ms, utilisation);
    if (plan.cores >= current_plan.cores) continue;
    if (!best.has_value() || plan.cores < best->cores) best = plan;
  }
  return best;
}

// The selector's requested loads that this policy's sizing agrees with: a
// variant serving nowhere yet (a cheaper or faster option than what serves
// now), or one whose demand needs more instances than it has. An extra
// instance of a variant whose instances already cover its demand would be
// taken away again by the scale-down below, which empties provisioned
// workers first (where the selector finds room), and then asked for again.
std::vector<ScalingAction> WeighedRequests(const ScalingInput& input,
                                           const std::map<std::string, Footprint>& footprints,
                                           double utilisation) {
  std::vector<ScalingAction> accepted;
  for (ScalingAction& load : RequestedLoads(input)) {
    auto it = footprints.find(load.variant);
    const v1::VariantRecord* record = input.catalogue->Find(load.variant);
    if (it != footprints.end() && it->second.instances > 0 && record != nullptr) {
      const controller::VariantDemand* demand = input.demand->Find(load.variant);
      const double items_per_s = demand != nullptr ? demand->items_per_s : 0;
      const double slo_ms = demand != nullptr ? demand->tightest_slo_ms : 0;
      if (PlanFor(*record, items_per_s, slo_ms, utilisation).instances <= it->second.instances) {
        continue;
      }
    }
    accepted.push_back(std::move(load));
  }
  return accepted;
}

}  // namespace

InfaasPolicy::InfaasPolicy(const ScalingOptions& options) : options_(options), workers_(options) {}

std::vector<ScalingAction> InfaasPolicy::Decide(const ScalingInput& input) {
  const controller::Catalogue& catalogue = *input.catalogue;
  const std::map<std::string, Footprint> footprints = FootprintsOf(*input.cluster);
  CoreLedger ledger(*input.cluster, catalogue);
  std::vector<ScalingAction> actions =
      WeighedRequests(input, footprints, options_.target_utilisation);
  int unplaced_total = 0;
  std::map<std::string, absl::Time> low_since;

  for (const auto& [name, footprint] : footprints) {
    const v1::VariantRecord* record = catalogue.Find(name);
    if (record == nullptr || footprint.instances == 0) continue;
    const controller::VariantDemand* demand = input.demand->Find(name);
    const double items_per_s = demand != nullptr ? demand->items_per_s : 0;
    const double slo_ms = demand != nullptr ? demand->tightest_slo_ms : 0;
    const bool pinned = demand != nullptr && demand->pinned;

    if (items_per_s == 0) {
      const absl::Duration idle_limit = std::max(
          options_.Scaled(options_.min_idle_before_unload),
          options_.idle_load_multiple * absl::Milliseconds(record->profile().load_latency_ms()));
      if (input.now - input.history->QuietSince(name) >= idle_limit) {
        for (const auto& [worker, n] : footprint.per_worker) {
          actions.push_back(
              {.kind = ScalingAction::Kind::kSetInstances,
               .variant = name,
               .worker_id = worker,
               .instances = 0,
               .reason = absl::StrFormat("idle for over %s", absl::FormatDuration(idle_limit))});
          ledger.Release(worker, n * ThreadsOf(*record));
        }
        continue;
      }
    }
    if (footprint.loading) continue;  // wait for the load in flight to land

    const Plan plan = PlanFor(*record, items_per_s, slo_ms, options_.target_utilisation);
    std::optional<Plan> sibling;
    if (!pinned && items_per_s > 0 && footprint.per_worker.size() == 1) {
      sibling = CheapestSibling(*record, plan, catalogue, footprints, *demand,
                                options_.target_utilisation);
      if (sibling.has_value() && sibling->cores > (1 - options_.replace_min_saving) * plan.cores) {
        sibling.reset();
      }
    }
    const bool upgrade = sibling.has_value() && plan.instances > footprint.instances;
    const double per_instance = ThroughputPerInstance(*record, UsableBatch(*record, slo_ms));
    const bool low =
        footprint.instances > 1 &&
        items_per_s < options_.scale_down_utilisation * per_instance * (footprint.instances - 1);
    // Scaling down (one instance fewer, or a cheaper sibling) waits until the
    // load has stayed low for scale_down_after.
    const bool quiet = low || (sibling.has_value() && !upgrade);
    const absl::Time quiet_start = low_since_.contains(name) ? low_since_.at(name) : input.now;
    if (quiet) low_since[name] = quiet_start;
    const bool quiet_long_enough =
        quiet && input.now - quiet_start >= options_.Scaled(options_.scale_down_after);

    // Upgrade or downgrade in place, on the one worker that serves it.
    if (sibling.has_value() && (upgrade || quiet_long_enough)) {
      const std::string& worker = footprint.per_worker.begin()->first;
      const int freed = footprint.instances * ThreadsOf(*record);
      if (ledger.FreeCores(worker) + freed >= sibling->cores) {
        ledger.Release(worker, freed);
        int unplaced = 0;
        ledger.Place(*sibling->record, sibling->instances, Footprint{}, "", &unplaced, worker);
        if (unplaced == 0) {
          low_since.erase(name);
          actions.push_back(
              {.kind = ScalingAction::Kind::kReplace,
               .variant = sibling->record->config().name(),
               .replaces = name,
               .worker_id = worker,
               .instances = sibling->instances,
               .reason = absl::StrFormat("%s: %.0f inputs/s need %d core(s) instead of %d",
                                         upgrade ? "upgrade" : "downgrade", items_per_s,
                                         sibling->cores, plan.cores)});
          continue;
        }
        ledger.Release(worker, -freed);  // keep it after all
      }
    }

    if (plan.instances > footprint.instances) {
      int unplaced = 0;
      std::vector<ScalingAction> adds = ledger.Place(
          *record, plan.instances - footprint.instances, footprint,
          absl::StrFormat("%.0f inputs/s need %d instance(s)", items_per_s, plan.instances),
          &unplaced);
      actions.insert(actions.end(), adds.begin(), adds.end());
      unplaced_total += unplaced;
      continue;
    }
    if (!low || !quiet_long_enough) continue;
    low_since[name] = input.now;  // the next step down waits again
    std::vector<ScalingAction> removals =
        PlanRemoval(name, footprint, 1, 1, input.pool.removable,
                    absl::StrFormat("%.0f inputs/s fit in %d instance(s)", items_per_s,
                                    footprint.instances - 1));
    actions.insert(actions.end(), removals.begin(), removals.end());
  }
  low_since_ = std::move(low_since);

  std::vector<ScalingAction> worker_actions = workers_.Decide(input, unplaced_total);
  actions.insert(actions.end(), worker_actions.begin(), worker_actions.end());
  return actions;
}

}  // namespace infaas::autoscaler
