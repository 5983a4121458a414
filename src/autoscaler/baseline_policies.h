#pragma once

// The policies ours is measured against (see scaling_policy.h for the
// overview). Each is deterministic and pure in the same sense as ours.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autoscaler/scaling_policy.h"
#include "autoscaler/worker_rules.h"

namespace infaas::autoscaler {

// No scaling: what was loaded stays, nothing else is.
class StaticPolicy final : public ScalingPolicy {
 public:
  const std::string& name() const override { return name_; }
  // Only the loads the selector requested: nothing is scaled.
  std::vector<ScalingAction> Decide(const ScalingInput& input) override {
    return RequestedLoads(input);
  }

 private:
  const std::string name_ = "static";
};

// The original INFaaS (ATC'21), per worker and per variant on it, every
// period:
//   T = 1000 · b / latency(b) with b the batch the worker saw (at least 1);
//   w = the arrivals that worker reports for the variant; n its instances.
//   - w > 0.95 · n · T: add ceil((w − 0.95 · n · T) / T) instances on that
//     worker (cores permitting), unless replicating costs more than 1.5 times
//     an upgrade (cost = load latency x instances loaded), in which case the
//     next larger max batch of the same architecture, framework and threads
//     replaces it;
//   - w <= (n − 1) · T for 10 readings in a row, and the last change is older
//     than the load latency: one instance fewer (0 unloads it).
// Workers: UtilisationWorkerRule.
class Infaas2021Policy final : public ScalingPolicy {
 public:
  explicit Infaas2021Policy(const ScalingOptions& options) : options_(options), workers_(options) {}
  const std::string& name() const override { return name_; }
  std::vector<ScalingAction> Decide(const ScalingInput& input) override;

 private:
  using Key = std::pair<std::string, std::string>;  // worker, variant
  const std::string name_ = "infaas2021";
  const ScalingOptions options_;
  UtilisationWorkerRule workers_;
  std::map<Key, int> low_readings_;
  std::map<Key, absl::Time> last_change_;
};

// Each variant on its own, cluster-wide, like a per-endpoint target-tracking
// autoscaler: keep instances at most 95% busy at the batch seen; add at once
// anywhere there is room; one fewer when the rest would cope, after
// scale_down_after; unload after min_idle_before_unload without arrivals.
// No upgrades. Workers: UtilisationWorkerRule.
class IndividualPolicy final : public ScalingPolicy {
 public:
  explicit IndividualPolicy(const ScalingOptions& options) : options_(options), workers_(options) {}
  const std::string& name() const override { return name_; }
  std::vector<ScalingAction> Decide(const ScalingInput& input) override;

 private:
  const std::string name_ = "individual";
  const ScalingOptions options_;
  UtilisationWorkerRule workers_;
  std::map<std::string, absl::Time> low_since_;
};

}  // namespace infaas::autoscaler
