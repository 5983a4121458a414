#pragma once

// Autoscaler: the master's scaling loop. Once a period it takes a cluster
// snapshot (kept in a short history), reads the demand the router saw, asks
// the scaling policy what to do, and carries the actions out:
//
// Pinned variants (Dependencies::pinned), and variants with offline work
// queued on a worker, are never unloaded from it nor replaced there. The
// loads the selector recommends reach the policy as requests
// (RequestLoad → ScalingInput::load_requests), which start a round at once
// (no sooner than min_round_gap after the last):
// the policy is the one owner of what gets loaded.
//
//   kSetInstances  more: LoadVariant with the new count (LoadCoordinator);
//                  fewer: UnloadVariant keeping the count (the worker drains
//                  the instances it drops: no query is lost);
//   kReplace       load the new variant, then unload the old one there;
//   kAddWorker     Provisioner::AddWorker; the worker counts as starting
//                  until it heartbeats (or start_timeout passes);
//   kRemoveWorker  mark it draining in the cluster view (the selector sends
//                  it nothing new), wait until its heartbeats show no queued
//                  query (or drain_timeout), then Provisioner::RemoveWorker,
//                  which lets it finish calls in flight before it exits.
//
// Loads and unloads go through the LoadCoordinator, the one executor of
// both; draining and unloading marks live in the ClusterView.
//
//   Autoscaler autoscaler(deps, std::move(policy), {.period = absl::Seconds(1)});
//   autoscaler.Start();   // a round every period, on the rounds' Scheduler
//   ...
//   autoscaler.Stop();    // no round runs after it; provisioned workers stay
//                         // (the provisioner owns them)
//
// It reads time from its Clock and runs its rounds and the provisioner's
// blocking calls on Schedulers: the master's are threads, the simulator's
// its event loop, so the simulator runs this very code. RPCs are
// asynchronous. Thread-safe.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "autoscaler/provisioner.h"
#include "autoscaler/scaling.h"
#include "autoscaler/scaling_policy.h"
#include "common/clock.h"
#include "common/leadership.h"
#include "common/scheduler.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/demand_tracker.h"
#include "controller/load_coordinator.h"
#include "controller/load_requests.h"

namespace infaas::autoscaler {

class Autoscaler final : public controller::LoadRequests {
 public:
  struct Dependencies {
    controller::CatalogueView* catalogue = nullptr;
    controller::ClusterView* cluster = nullptr;
    const controller::DemandSource* demand = nullptr;
    controller::LoadCoordinator* loads = nullptr;
    // Null: no worker scaling (the policy's worker actions are ignored).
    Provisioner* provisioner = nullptr;
    Clock* clock = Clock::Real();
    // Told of each action taken (e.g. to count it in the metrics); may be empty.
    std::function<void(const ScalingAction&)> on_action{};
    // Variants a user pinned (the repository extension's load): never
    // unloaded from a worker nor replaced; may be empty.
    std::function<bool(const std::string& variant)> pinned{};
    // Several masters: only the leader scales, each action stamped with its
    // fencing token (workers refuse stale ones). Null: always leads, token 0.
    const Leadership* leadership = nullptr;
    // A fresh policy for each new term of leadership, so that timers kept
    // from an earlier term (idle since, cool-downs) do not act on a cluster
    // that moved on meanwhile; empty: the one given is kept.
    std::function<std::unique_ptr<ScalingPolicy>()> new_policy{};
    // Where rounds run, and where the provisioner's calls (which may block
    // while a worker starts or stops) run; null: a thread of its own each.
    Scheduler* rounds = nullptr;
    Scheduler* provisioner_calls = nullptr;
  };
  struct Options {
    absl::Duration period = absl::Seconds(1);
    // Live + starting workers, at most; 0 turns worker scaling off.
    int max_workers = 0;
    absl::Duration start_timeout = absl::Seconds(60);
    absl::Duration drain_timeout = absl::Seconds(30);
    absl::Duration history = absl::Seconds(120);
    // A round a load request starts at once comes this long after the last
    // round at the soonest, so that a flood of requests does not run rounds
    // back to back.
    absl::Duration min_round_gap = absl::Milliseconds(100);
  };

  // What happened, for `infaas status` and the metrics.
  struct Event {
    absl::Time at;
    ScalingAction action;
  };

  Autoscaler(Dependencies deps, std::unique_ptr<ScalingPolicy> policy, Options options);
  // Stop()s, then waits for every callback it gave the load coordinator (a
  // replacement's load, which captures `this`); the coordinator itself
  // waits for its calls. The dependencies must outlive it, and their RPCs
  // carry deadlines, so the wait ends. Its tasks still queued on the
  // schedulers then do nothing.
  ~Autoscaler() override;

  // Sets the provisioner before Start(), once the master's address is known.
  void SetProvisioner(Provisioner* provisioner) { deps_.provisioner = provisioner; }

  // Rounds every period from now on, and one at once after a load request.
  void Start();
  // No round nor provisioner call starts after it returns (one running
  // finishes first).
  void Stop();

  // One round: snapshot, decide, act. Start() has it run every period;
  // tests may call it directly.
  void Tick();

  const std::string& policy_name() const { return policy_name_; }

  // The last actions taken, oldest first (at most 50).
  std::vector<Event> RecentEvents() const;

  // LoadRequests: a load the selector recommends. Kept for the next round's
  // policy input (ScalingInput::load_requests), which starts at once rather
  // than at the end of the period. Thread-safe; never blocks on I/O.
  void RequestLoad(const controller::LoadRecommendation& load) override;

 private:
  // Whether this master leads now; begins a new term (fresh policy and
  // history: the state is rebuilt from the cluster) when the token changed.
  std::optional<int64_t> Lead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mu_);
  void Execute(const ScalingAction& action, const controller::ClusterSnapshot& cluster,
               const controller::Catalogue& catalogue, int64_t token);
  void SetInstances(const controller::WorkerSnapshot& worker, const v1::VariantRecord& record,
                    int instances, const controller::LoadedVariant* current, int64_t token);
  // Removes drained workers; forgets starts that joined or timed out.
  void FollowUp(const controller::ClusterSnapshot& cluster, absl::Time now);
  WorkerPool PoolOf(const controller::ClusterSnapshot& cluster);
  void Record(const ScalingAction& action, absl::Time now);
  // Brackets a callback that captures `this`: the destructor waits until
  // every one begun has ended.
  void CallbackBegins();
  void CallbackEnds();
  // Runs `task` on `scheduler` after `delay`, unless Stop() came first.
  void Schedule(Scheduler* scheduler, absl::Duration delay, std::function<void()> task);
  void PeriodicRound();

  Dependencies deps_;  // the provisioner is set once, before Start
  const std::string policy_name_;
  const Options options_;
  absl::Mutex tick_mu_;  // one Tick at a time; taken before mu_
  std::unique_ptr<ScalingPolicy> policy_ ABSL_GUARDED_BY(tick_mu_);
  ClusterHistory history_ ABSL_GUARDED_BY(tick_mu_);
  // The token of the term being served; nullopt while following.
  std::optional<int64_t> term_ ABSL_GUARDED_BY(tick_mu_);
  // Used when the dependencies name no scheduler.
  std::unique_ptr<Scheduler> own_rounds_;
  std::unique_ptr<Scheduler> own_provisioner_calls_;
  // Whether tasks given to the schedulers may still run: shared with them,
  // so that one outliving this object finds it stopped. A task runs under
  // the reader lock; Stop() takes the writer lock.
  struct Life {
    absl::Mutex mu;
    bool running ABSL_GUARDED_BY(mu) = true;
  };
  const std::shared_ptr<Life> life_ = std::make_shared<Life>();

  mutable absl::Mutex mu_;
  std::deque<Event> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> starting_ ABSL_GUARDED_BY(mu_);  // id -> when asked
  // Drained workers handed to the provisioner, until it removed them.
  std::set<std::string> removing_ ABSL_GUARDED_BY(mu_);
  int callbacks_pending_ ABSL_GUARDED_BY(mu_) = 0;

  // Loads requested since the last round; whether rounds run (Start), and
  // whether one is scheduled at once already.
  absl::Mutex requests_mu_;
  std::vector<controller::LoadRecommendation> requests_ ABSL_GUARDED_BY(requests_mu_);
  bool started_ ABSL_GUARDED_BY(requests_mu_) = false;
  bool round_soon_ ABSL_GUARDED_BY(requests_mu_) = false;
  absl::Time last_round_ ABSL_GUARDED_BY(requests_mu_) = absl::InfinitePast();
};

}  // namespace infaas::autoscaler
