#pragma once

// ControlCore: the master's decisions and the code that carries them out,
// wired on its ports — the QueryRouter, the LoadCoordinator and the
// Autoscaler over a CatalogueView, a ClusterView and a DemandTracker. What
// differs between the master, the simulator and a test is only what fills
// the ports: how workers are reached (WorkerPort), what time it is (Clock),
// where rounds and provisioner calls run (Scheduler), where workers come
// from (Provisioner).
//
//   ControlCore core(catalogue, {.workers = &port, .clock = clock, .rounds = &scheduler,
//                                .provisioner_calls = &scheduler, .provisioner = &machines},
//                    {.policy = autoscaler::PolicyKind::kInfaas});
//   core.autoscaler().Start();
//   core.router().QueryOnline(caller, std::move(request), deadline, done);
//
// The ports must outlive it. Thread-safe as its parts are.

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "autoscaler/autoscaler.h"
#include "autoscaler/provisioner.h"
#include "autoscaler/scaling_policy.h"
#include "common/clock.h"
#include "common/scheduler.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/demand_tracker.h"
#include "controller/load_coordinator.h"
#include "controller/query_router.h"
#include "controller/worker_port.h"

namespace infaas::autoscaler {

struct ControlPorts {
  controller::WorkerPort* workers = nullptr;
  Clock* clock = nullptr;
  Scheduler* rounds = nullptr;
  Scheduler* provisioner_calls = nullptr;
  // Null: no worker scaling.
  Provisioner* provisioner = nullptr;
};

struct ControlOptions {
  PolicyKind policy = PolicyKind::kInfaas;
  ScalingOptions scaling{};
  // As the master's: no reason text per selection.
  controller::SelectorOptions selector{.explain = false};
  int calls_per_instance = 2;  // CallCoalescer
  absl::Duration dead_after = absl::Seconds(2);
  Autoscaler::Options autoscaler{};
  // Told of each action the autoscaler takes; may be empty.
  std::function<void(const ScalingAction&)> on_action{};
};

class ControlCore {
 public:
  // A core over a fixed catalogue (no store): its view indexes it.
  ControlCore(std::shared_ptr<const controller::Catalogue> catalogue, ControlPorts ports,
              ControlOptions options);

  controller::CatalogueView& catalogue() { return catalogue_; }
  controller::ClusterView& cluster() { return cluster_; }
  controller::DemandTracker& demand() { return demand_; }
  controller::LoadCoordinator& loads() { return loads_; }
  Autoscaler& autoscaler() { return autoscaler_; }
  controller::QueryRouter& router() { return router_; }

 private:
  controller::CatalogueView catalogue_;
  controller::ClusterView cluster_;
  controller::DemandTracker demand_;
  controller::LoadCoordinator loads_;
  Autoscaler autoscaler_;
  controller::QueryRouter router_;
};

}  // namespace infaas::autoscaler
