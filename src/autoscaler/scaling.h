#pragma once

// The vocabulary of the autoscalers: what a scaling policy reads (the
// catalogue, the cluster now and over the last seconds, the demand the master
// routed, the pool of workers) and what it decides (instance counts per
// worker, workers to add or remove).
//
// Everything here is a plain value or a read-only view; the policies are
// pure functions of it plus their own memory of what they saw before (see
// scaling_policy.h). The master's Autoscaler (autoscaler.h) builds the input
// once per period and carries the actions out.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/cluster_snapshot.h"
#include "controller/demand_tracker.h"
#include "controller/selector.h"

namespace infaas::autoscaler {

// The last snapshots of the cluster, oldest first, over `keep`.
class ClusterHistory {
 public:
  // Snapshots are kept `spacing` apart at least, but for the newest: while
  // the newest is closer than that to the one before, the next replaces it,
  // so that rounds run more often (at once on a load request) do not make
  // the history longer, nor a scan of it slower.
  explicit ClusterHistory(absl::Duration keep = absl::Seconds(60),
                          absl::Duration spacing = absl::ZeroDuration())
      : keep_(keep), spacing_(spacing) {}

  // Appends `snapshot` (taken at snapshot->taken_at), or replaces the newest
  // with it (see above), and drops those older than `keep` before it.
  void Add(std::shared_ptr<const controller::ClusterSnapshot> snapshot);

  const std::deque<std::shared_ptr<const controller::ClusterSnapshot>>& snapshots() const {
    return snapshots_;
  }

  // The time of the last snapshot in which `variant` had arrivals or queued
  // queries (online or offline) on some worker; InfinitePast() if none did.
  absl::Time LastBusy(const std::string& variant) const;

  // The time of the oldest snapshot kept; InfiniteFuture() when empty.
  absl::Time Oldest() const;

  // Since when `variant` has been idle: its last busy snapshot (LastBusy),
  // but never before it was last loaded — the first snapshot of the latest
  // unbroken run of snapshots that show it on some worker — nor before the
  // oldest snapshot kept. A variant loaded a moment ago is idle since then,
  // not since the history began.
  absl::Time QuietSince(const std::string& variant) const;

 private:
  absl::Duration keep_;
  absl::Duration spacing_;
  std::deque<std::shared_ptr<const controller::ClusterSnapshot>> snapshots_;
};

// The workers there are and may be.
struct WorkerPool {
  // Started by the provisioner and not yet heard from.
  int starting = 0;
  // Most live + starting workers; 0 turns worker scaling off.
  int max_workers = 0;
  // Live workers the provisioner started and may stop; others (started by
  // hand or by `infaas up`) are never removed.
  std::vector<std::string> removable;
};

// Everything a policy reads at one instant. The pointers are valid for the
// call only.
struct ScalingInput {
  const controller::Catalogue* catalogue = nullptr;
  const controller::ClusterSnapshot* cluster = nullptr;
  const ClusterHistory* history = nullptr;
  const controller::DemandSnapshot* demand = nullptr;
  WorkerPool pool{};
  absl::Time now{};
  // Loads the selector asked for since the last call (a cheaper or less
  // loaded variant for queries it serves now, or one that would serve
  // queries it could not): inputs the policy weighs, not loads done.
  std::vector<controller::LoadRecommendation> load_requests{};
};

struct ScalingAction {
  enum class Kind {
    // Serve `variant` on `worker_id` with `instances` instances (0 unloads
    // it there). Scaling down drains: no query accepted is lost.
    kSetInstances,
    // Load `variant` on `worker_id` with `instances` instances and, once it
    // serves, unload `replaces` there: an upgrade or a downgrade.
    kReplace,
    // Start a worker.
    kAddWorker,
    // Drain `worker_id` (it takes nothing new), then stop it.
    kRemoveWorker,
  };
  Kind kind = Kind::kSetInstances;
  std::string variant{};
  std::string replaces{};
  std::string worker_id{};
  int instances = 0;
  std::string reason{};  // for logs and `infaas status`
};

// The requested loads (input.load_requests) worth carrying out, as
// kSetInstances actions of one instance: the worker named is live, not
// draining, neither holds nor loads the variant and has its memory free,
// and the variant is still registered. Every policy starts from these —
// they are demand the selector saw, which no scaling rule has to guess.
std::vector<ScalingAction> RequestedLoads(const ScalingInput& input);

// "set lenet5_onnx_cpu1_b8 on worker-1 to 2 instances (reason)", for logs.
std::string Describe(const ScalingAction& action);

// "set_instances", "replace", "add_worker", "remove_worker": metric labels.
std::string KindName(ScalingAction::Kind kind);

}  // namespace infaas::autoscaler
