#pragma once

// InfaasPolicy: our autoscaling policy (the default).
//
// Model level, per variant with demand, once a period:
//   demand   λ = inputs/s the master routed to it (DemandTracker: seen the
//            moment queries arrive, not seconds later in heartbeats);
//   capacity T = ThroughputPerInstance at the batch the tightest SLO of its
//            queries allows (UsableBatch): what an instance serves when the
//            load makes it batch, not the batch it happened to run at;
//   needed   ceil(λ / (target_utilisation · T)) instances.
//   - Replicate at once when needed > instances: on the workers holding it,
//     then wherever cores and memory are free (CoreLedger). Instances that
//     fit nowhere ask the worker level for a worker.
//   - Upgrade or downgrade: when no query pinned the variant (all came as an
//     architecture or a family) and it runs on one worker, a sibling (same
//     architecture, accuracy no lower by more than 0.1 pp, same input) that
//     serves λ with at least `replace_min_saving` fewer cores replaces it
//     there. Upgrades happen at once; downgrades after the load stayed low
//     for scale_down_after.
//   - Scale down by one instance when λ stayed below scale_down_utilisation
//     of the others' capacity for scale_down_after (a band below the scale-up
//     mark: steady load never flaps).
//   - Unload when nothing arrived for max(min_idle_before_unload,
//     idle_load_multiple · its load latency): a variant that is cheap to
//     load goes sooner than one that is dear.
// Worker level: DemandWorkerRule (worker_rules.h).

#include <map>
#include <string>
#include <vector>

#include "autoscaler/scaling_policy.h"
#include "autoscaler/worker_rules.h"

namespace infaas::autoscaler {

class InfaasPolicy final : public ScalingPolicy {
 public:
  explicit InfaasPolicy(const ScalingOptions& options);

  const std::string& name() const override { return name_; }
  std::vector<ScalingAction> Decide(const ScalingInput& input) override;

 private:
  const std::string name_ = "infaas";
  const ScalingOptions options_;
  DemandWorkerRule workers_;
  // Since when each variant's demand has been low enough to scale down.
  std::map<std::string, absl::Time> low_since_;
};

}  // namespace infaas::autoscaler
