#pragma once

// Scenario: hand-built inputs for the scaling policies' tests — a catalogue,
// workers with what they hold, the demand, the pool — advanced second by
// second on a fake timeline that also fills the cluster history.
//
//   Scenario s;
//   s.AddVariant({.name = "lenet5_onnx_cpu1_b1", .latency = {{1, 2.0}}});
//   s.AddWorker("w1", /*cores=*/4).Holds("w1", "lenet5_onnx_cpu1_b1", 1);
//   s.SetDemand("lenet5_onnx_cpu1_b1", /*items_per_s=*/900, /*slo_ms=*/20);
//   std::vector<ScalingAction> actions = policy->Decide(s.Tick());
//
// Test-only; not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autoscaler/scaling.h"
#include "autoscaler/scaling_policy.h"
#include "controller/demand_tracker.h"
#include "controller/selector.h"
#include "controller/testing/variant_records.h"

namespace infaas::autoscaler::testing {

using controller::testing::kMiB;
using controller::testing::MakeVariant;
using controller::testing::VariantSpec;

class Scenario {
 public:
  Scenario();

  Scenario& AddVariant(const VariantSpec& spec);
  // A live worker with `cores`, 8 GiB free and no load yet.
  Scenario& AddWorker(const std::string& id, int cores, bool removable = false);
  Scenario& RemoveWorker(const std::string& id);
  // `instances` of `variant` on `worker`, with the arrivals the worker saw
  // (0 instances unloads it there).
  Scenario& Holds(const std::string& worker, const std::string& variant, int instances,
                  double arrival_qps = 0, double average_batch = 1);
  Scenario& SetCpu(const std::string& worker, double utilisation);
  Scenario& SetDraining(const std::string& worker, bool draining);
  // What the master routed to `variant` lately (0 forgets it).
  // `largest_batch`: the most inputs one of its queries carried.
  Scenario& SetDemand(const std::string& variant, double items_per_s, double slo_ms = 0,
                      bool pinned = false, int largest_batch = 1);
  Scenario& SetUnmet(double qps);
  // The selector asks for `variant` on `worker` (a background load); the
  // request is in the next Tick's input only.
  Scenario& RequestLoad(const std::string& variant, const std::string& worker);
  Scenario& SetPool(int max_workers, int starting = 0);

  // Advances the timeline by `step`, records the cluster in the history and
  // returns the input a policy sees now. Valid until the next Tick.
  const ScalingInput& Tick(absl::Duration step = absl::Seconds(1));

  // Carries out kSetInstances and kReplace actions on the workers (as if the
  // loads and unloads finished at once), so a test can run a policy in a loop.
  void Apply(const std::vector<ScalingAction>& actions);

  // Ticks `seconds` times (one second each), asking `policy` and applying
  // what it decides; returns every action in order.
  std::vector<ScalingAction> Run(ScalingPolicy& policy, int seconds);

  absl::Time now() const { return now_; }
  // Instances of `variant` on all workers.
  int InstancesOf(const std::string& variant) const;

 private:
  controller::WorkerSnapshot& Worker(const std::string& id);

  controller::Catalogue catalogue_;
  std::vector<controller::WorkerSnapshot> workers_;
  std::vector<std::string> removable_;
  controller::DemandSnapshot demand_;
  WorkerPool pool_;
  ClusterHistory history_{absl::Seconds(120)};
  std::shared_ptr<const controller::ClusterSnapshot> snapshot_;
  ScalingInput input_;
  std::vector<controller::LoadRecommendation> requests_;
  absl::Time now_;
};

// The actions of `kind` in `actions`.
std::vector<ScalingAction> OfKind(const std::vector<ScalingAction>& actions,
                                  ScalingAction::Kind kind);

}  // namespace infaas::autoscaler::testing
