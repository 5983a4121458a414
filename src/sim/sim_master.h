#pragma once

// SimMaster: the master on the simulator's virtual clock. It is wiring only:
// the decisions and the code that carries them out are the master's own
// control core (autoscaler::ControlCore) — the QueryRouter (selection, the
// call coalescer, retries, the deadline budget sent to the worker), the
// LoadCoordinator and the Autoscaler's round (history, pool, draining and removal, the policy, the
// vetoes) over the real CatalogueView, ClusterView and DemandTracker. The
// simulator supplies the core's ports: its event loop as the Clock and
// Scheduler, emulated workers behind a SimWorkerPort (a call costs
// `call_overhead`, half each way), and a SimCluster as the Provisioner.
//
//   SimMaster::Options options{.policy = autoscaler::PolicyKind::kInfaas, .max_workers = 10};
//   ASSIGN_OR_RETURN(std::unique_ptr<SimMaster> master,
//                    SimMaster::Create(&loop, catalogue, options));
//   master->Start(/*workers=*/2);
//   master->Query(requirements, [](const absl::Status& s, const QueryOutcome& o) { ... });
//
// Destroying it ends every call still out (CANCELLED), so queries not yet
// answered get their `done` then; the loop must not run after. Single-
// threaded, on the EventLoop.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoscaler/control_core.h"
#include "autoscaler/scaling.h"
#include "autoscaler/scaling_policy.h"
#include "controller/selector.h"
#include "sim/emulated_worker.h"
#include "sim/event_loop.h"
#include "sim/loop_scheduler.h"
#include "sim/sim_cluster.h"
#include "sim/sim_worker_port.h"

namespace infaas::sim {

struct QueryOutcome {
  std::string variant;  // empty when refused before a variant was chosen
  absl::Duration latency;
};

// One action of the scaling policy, when it was taken.
struct TimedAction {
  absl::Time at;
  autoscaler::ScalingAction action;
};

class SimMaster {
 public:
  struct Options {
    autoscaler::PolicyKind policy = autoscaler::PolicyKind::kInfaas;
    autoscaler::ScalingOptions scaling{};
    // As the master's: no reason text per selection.
    controller::SelectorOptions selector{.explain = false};
    // Queries to one variant on one worker share a call past this many
    // calls in flight per instance (CallCoalescer; the master's
    // --calls-per-instance).
    int calls_per_instance = 2;
    absl::Duration heartbeat = absl::Milliseconds(500);
    absl::Duration dead_after = absl::Seconds(2);
    absl::Duration scale_period = absl::Seconds(1);
    absl::Duration call_overhead = absl::Microseconds(400);
    // A client gives up on its query after this (its gRPC deadline).
    absl::Duration client_timeout = absl::Seconds(5);
    // A draining worker is removed once empty, or after this.
    absl::Duration drain_timeout = absl::Seconds(60);
    // Worker scaling: at most this many workers (0: the initial ones only),
    // each up after `worker_startup`.
    int max_workers = 0;
    absl::Duration worker_startup = absl::Seconds(3);
    EmulatedWorker::Options worker{};
  };

  // Errors: none today (the policy is a kind; a flag's name was parsed
  // where the flag is read).
  static absl::StatusOr<std::unique_ptr<SimMaster>> Create(
      EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue, Options options);
  ~SimMaster();

  // Starts `workers` workers (not removable) and the autoscaler's rounds.
  void Start(int workers);

  // A client's query; `done` runs exactly once, at its answer's virtual time.
  void Query(const controller::QueryRequirements& requirements,
             std::function<void(const absl::Status&, const QueryOutcome&)> done);

  // Worker-seconds and busy core-seconds so far, over all workers ever up.
  double worker_seconds() const { return machines_->worker_seconds(); }
  double busy_core_seconds() const { return machines_->busy_core_seconds(); }
  int live_workers() const { return machines_->live_workers(); }
  // Loaded instances now, over all workers.
  int instances() const { return machines_->instances(); }
  const std::vector<TimedAction>& actions() const { return actions_; }

  // The control core's views, for tests.
  controller::ClusterView& cluster() { return core_.cluster(); }
  controller::CatalogueView& catalogue() { return core_.catalogue(); }

 private:
  SimMaster(EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue,
            Options options);

  EventLoop* const loop_;
  const Options options_;
  std::vector<TimedAction> actions_;
  // The ports, then the core; destroyed in reverse (the port closes first:
  // see the destructor).
  LoopScheduler scheduler_;
  SimWorkerPort port_;
  // Heartbeats into the core's cluster view, which it builds first.
  std::unique_ptr<SimCluster> machines_;
  autoscaler::ControlCore core_;
};

}  // namespace infaas::sim
