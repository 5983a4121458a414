#pragma once

// SimMaster: the master on the simulator's virtual clock, making its
// decisions with the master's own code (the policy library): the real
// ClusterView fed by the emulated workers' heartbeats, the real selector
// over the catalogue and each snapshot, the real DemandTracker, and the
// chosen scaling policy called every scale period with the input the
// master's Autoscaler builds (history, demand, pool, the selector's load
// requests). The glue the master runs over gRPC is reproduced here: the
// router's placement, one retry on UNAVAILABLE/NOT_FOUND, the deadline
// budget sent to the worker; the load coordinator's one load per (worker,
// variant) in flight; the autoscaler's draining and removal of workers.
// A call to a worker costs `call_overhead` (half each way).
//
//   SimMaster master(&loop, catalogue, {.policy = autoscaler::PolicyKind::kInfaas,
//                                       .max_workers = 10});
//   master.Start(/*workers=*/2);
//   master.Query(requirements, [](const absl::Status& s, const QueryOutcome& o) { ... });
//
// Single-threaded, on the EventLoop.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "autoscaler/scaling.h"
#include "autoscaler/scaling_policy.h"
#include "controller/cluster_view.h"
#include "controller/demand_tracker.h"
#include "controller/selector.h"
#include "sim/emulated_worker.h"
#include "sim/event_loop.h"

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
    controller::SelectorOptions selector{};
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

  // Starts `workers` workers (not removable) and the master's periodic work.
  void Start(int workers);

  // A client's query; `done` runs exactly once, at its answer's virtual time.
  void Query(const controller::QueryRequirements& requirements,
             std::function<void(const absl::Status&, const QueryOutcome&)> done);

  // Worker-seconds and busy core-seconds so far, over all workers ever up.
  double worker_seconds() const;
  double busy_core_seconds() const;
  int live_workers() const { return static_cast<int>(workers_.size()); }
  // Loaded instances now, over all workers.
  int instances() const;
  const std::vector<TimedAction>& actions() const { return actions_; }

 private:
  struct Pending;
  SimMaster(EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue,
            Options options, std::unique_ptr<autoscaler::ScalingPolicy> policy);

  std::string NextWorkerId();
  void AddWorker(const std::string& id, bool removable);
  void Beat(const std::string& worker_id);
  void Tick();
  void Execute(const autoscaler::ScalingAction& action, const controller::ClusterSnapshot& cluster);
  void FollowUp(const controller::ClusterSnapshot& cluster);
  void EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id, int instances,
                    std::function<void(const absl::Status&)> done);
  void Unload(const std::string& worker_id, const v1::VariantRecord& record, int keep);
  void Place(std::shared_ptr<Pending> query);
  void Dispatch(std::shared_ptr<Pending> query);
  void Finish(std::shared_ptr<Pending> query, const absl::Status& status);

  EventLoop* const loop_;
  const std::shared_ptr<const controller::Catalogue> catalogue_;
  const Options options_;
  std::unique_ptr<autoscaler::ScalingPolicy> policy_;
  controller::ClusterView cluster_;
  controller::DemandTracker demand_;
  autoscaler::ClusterHistory history_;
  std::vector<controller::LoadRecommendation> load_requests_;
  std::map<std::string, std::unique_ptr<EmulatedWorker>> workers_;
  std::set<std::string> removable_;
  std::map<std::string, absl::Time> starting_;  // id -> asked at
  std::map<std::string, absl::Time> up_since_;
  double retired_worker_seconds_ = 0;
  double retired_core_seconds_ = 0;
  int next_worker_ = 1;
  uint64_t workers_started_ = 0;
  // Loads in flight per (worker, variant) and who waits for them.
  std::map<std::pair<std::string, std::string>,
           std::vector<std::function<void(const absl::Status&)>>>
      loading_;
  std::vector<TimedAction> actions_;
};

}  // namespace infaas::sim
