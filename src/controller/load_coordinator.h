#pragma once

// LoadCoordinator: the one executor of variant loads and unloads on workers,
// whoever decided them (a query that needs a cold variant, the scaling
// policy, a user's repository load or unload). At most one load and one
// unload per (worker, variant) at a time: a caller that asks for one in
// flight joins it and hears its outcome, instead of starting another.
//
//   coordinator.EnsureLoaded(record, worker_id, address,
//                            [](absl::Status s) { /* loaded, or why not */ });
//   coordinator.Unload(worker_id, address, variant, /*keep=*/0, nullptr);
//
// The ClusterView hears of each: a load in flight shows as loading; a
// variant being unloaded entirely is hidden at once (no query goes there
// meanwhile) and shows again if the unload fails. Calls go through a
// WorkerPort and are asynchronous (no thread blocks on them); callbacks run
// on the port's threads. Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/cluster_view.h"
#include "controller/worker_port.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::controller {

class LoadCoordinator {
 public:
  using Done = std::function<void(absl::Status)>;

  // `clock` sets the calls' deadlines.
  LoadCoordinator(WorkerPort* workers, ClusterView* cluster, Clock* clock = Clock::Real());
  ~LoadCoordinator();  // waits for calls in flight and their waiters' callbacks

  // `done` (may be null) runs once the load finished or failed. The worker
  // ends up with at least `instances` instances of the variant; a call that
  // joins a load in flight gets that load's count. `leader_token` (0:
  // none) is the fencing token of the leader's autoscaler that decided it;
  // the worker refuses a stale one.
  void EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id,
                    const std::string& address, Done done, int instances = 1,
                    int64_t leader_token = 0);

  // Takes `variant` on the worker down to `keep` instances (0: unloads it;
  // the worker drains the instances it drops, so no query is lost). `done`
  // (may be null) runs once the worker answered. A call that joins an
  // unload in flight gets that unload's outcome.
  void Unload(const std::string& worker_id, const std::string& address, const std::string& variant,
              int keep, Done done, int64_t leader_token = 0);

 private:
  enum class Kind { kLoad, kUnload };
  using Key = std::pair<std::string, std::string>;  // worker id, variant
  using Waiters = std::map<Key, std::vector<Done>>;
  Waiters& InFlight(Kind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return kind == Kind::kLoad ? loads_ : unloads_;
  }
  // Joins the call of that kind in flight for `key`, or starts one (true).
  bool Join(Kind kind, const Key& key, Done done) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends that call and tells its waiters how it went.
  void Notify(Kind kind, const Key& key, const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  WorkerPort* const workers_;
  Clock* const clock_;
  ClusterView* const cluster_;
  absl::Mutex mu_;
  Waiters loads_ ABSL_GUARDED_BY(mu_);    // in flight, with their waiters
  Waiters unloads_ ABSL_GUARDED_BY(mu_);  // in flight, with their waiters
  // Finished calls whose waiters are being called.
  int notifying_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas::controller
