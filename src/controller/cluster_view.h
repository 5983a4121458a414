#pragma once

// ClusterView: the master's live picture of its workers, fed by heartbeats.
//
//   view.OnHeartbeat(request, clock->Now());        // from the Heartbeat RPC
//   std::shared_ptr<const ClusterSnapshot> s = view.Snapshot(clock->Now());
//
// A worker silent for longer than `dead_after` is dropped from snapshots
// and its variants forgotten (logged once). Loads the master has started but
// that no heartbeat reports yet appear as LoadedVariant{instances = 0,
// loading = true}, so
// the selector does not start a second load of the same variant.
//
// The view also keeps what the heartbeats cannot know yet: the queries the
// router has sent and not seen answered and the workers' recent refusals
// (per worker and variant: RouterMarks), what a
// call adds to the worker's own times (per worker, the median and p90 of
// the last 32 answers, so one slow connection set-up does not linger), and
// each variant's last measured load time (from heartbeats). These go into
// every snapshot, for the latency model; the router's marks and the call
// overheads are shared with the snapshots and updated in place, so neither
// a dispatch, an answer nor a refusal builds the snapshot again.
//
// Thread-safe. Snapshot() returns a value (immutable but for the shared
// router's marks and call overheads), built again only when something
// changed, and then only for the workers that changed: the others' entries
// (WorkerList) are shared with the snapshot before, and the holders index
// (HolderIndex) and the load order are updated for the changed workers
// alone. A
// heartbeat that changes only a worker's figures (queues, rates,
// utilisation), not what it serves, reaches the snapshot within
// `heartbeat_refresh` rather than at once.

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/cluster_snapshot.h"
#include "infaas/worker_rpc/worker.pb.h"

namespace infaas::controller {

// The master's (and the simulator's) heartbeat_refresh: a fifth of the
// workers' heartbeat interval.
inline constexpr absl::Duration kHeartbeatRefresh = absl::Milliseconds(100);

class ClusterView {
 public:
  explicit ClusterView(absl::Duration dead_after = absl::Seconds(2),
                       absl::Duration refusal_memory = absl::Seconds(1),
                       absl::Duration heartbeat_refresh = absl::ZeroDuration());

  void OnHeartbeat(const worker_rpc::HeartbeatRequest& beat, absl::Time now);

  // The live workers at `now`.
  std::shared_ptr<const ClusterSnapshot> Snapshot(absl::Time now);

  // Marks a load of `variant` up to `instances` instances on `worker_id` in
  // flight until a heartbeat reports the variant. Until then snapshots count
  // the memory of the instances it adds (`instance_bytes` each) as taken on
  // that worker, so that the next loads go where there is room rather than
  // all to the worker that had the most at its last heartbeat.
  void NoteLoadStarted(const std::string& worker_id, const std::string& variant, int instances,
                       int64_t instance_bytes);
  // The load failed: its mark and its memory go.
  void NoteLoadFailed(const std::string& worker_id, const std::string& variant);

  // Records a finished load at once, before the worker's next heartbeat
  // reports it, so the selector does not ask for the same load again; its
  // memory stays counted as taken until that heartbeat.
  void NoteLoaded(const std::string& worker_id, const std::string& variant);

  // Hides `variant` on `worker_id` from snapshots from now until a heartbeat
  // no longer reports it, or a load of it there starts or finishes: it is
  // being unloaded (or the worker said it does not hold it), so no query
  // should go there meanwhile.
  void NoteUnloading(const std::string& worker_id, const std::string& variant);
  // The unload failed: the variant shows again.
  void NoteUnloadFailed(const std::string& worker_id, const std::string& variant);

  // Forgets a worker at once (e.g. its RPCs fail with UNAVAILABLE).
  void MarkDead(const std::string& worker_id);

  // Marks a worker as draining since `now` (or no longer): snapshots show it
  // with `draining` set, and the selector sends it nothing new. The mark
  // outlives the worker's heartbeats (a draining worker that dies is still
  // to be removed): only SetDraining(id, false) clears it.
  void SetDraining(const std::string& worker_id, bool draining, absl::Time now);
  // The workers marked draining, live or not, and since when.
  std::map<std::string, absl::Time> Draining();

  // Number of workers heard from within dead_after of `now`.
  int LiveWorkers(absl::Time now);

  // The router sent a query of `examples` inputs to `variant` on
  // `worker_id`; snapshots count it in LoadedVariant::marks until
  // NoteAnswered. Neither builds the snapshot again (but the first query
  // to a variant no heartbeat or load reported there, and the first answer
  // from a worker). `marks`: those the selection carried
  // (Selection::marks), or null; counted there, without a lookup by name
  // or the view's lock. Its answer and refusal must be given the same.
  void NoteDispatched(const std::string& worker_id, const std::string& variant, int examples,
                      const std::shared_ptr<RouterMarks>& marks = nullptr);
  // Its answer came back. `overhead_ms` is how much longer the call took
  // than the worker's queue and compute time; it feeds the worker's
  // call_overhead_ms (a negative value: unknown, e.g. an error).
  void NoteAnswered(const std::string& worker_id, const std::string& variant, int examples,
                    double overhead_ms, const std::shared_ptr<RouterMarks>& marks = nullptr);
  // The worker refused a query to `variant` (RESOURCE_EXHAUSTED at its
  // enqueue: predicted late). Snapshots mark the variant there
  // RefusedRecently for `refusal_memory` from `now`, so the selector sends
  // the next queries elsewhere rather than to a refusal each. The mark is
  // set and cleared in place (RouterMarks): no snapshot is built again.
  void NoteRefused(const std::string& worker_id, const std::string& variant, absl::Time now,
                   const std::shared_ptr<RouterMarks>& marks = nullptr);

 private:
  void ExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The router's marks on `variant` on `worker_id`, made if missing.
  std::shared_ptr<RouterMarks> MarksLocked(const std::string& worker_id, const std::string& variant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The same, made if missing and pointed at by the worker's entry in the
  // next snapshot.
  const std::shared_ptr<RouterMarks>& ShownMarksLocked(const std::string& worker_id,
                                                       const std::string& variant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `worker_id`'s entry must be built again for the next snapshot.
  void TouchLocked(const std::string& worker_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    stale_.insert(worker_id);
  }
  // The worker as snapshots show it: its heartbeat's report with the marks
  // (draining, loads and unloads in flight, refusals, in-flight counts,
  // call overheads) applied. The report itself, shared, when no mark
  // applies (most workers, most of the time): no copy.
  WorkerList::Pointer BuildWorkerLocked(const std::string& worker_id,
                                        const std::shared_ptr<const WorkerSnapshot>& reported)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The report of `worker_id` to change: a copy when the snapshots may
  // share it; null when the worker is not known.
  WorkerSnapshot* MutableReportLocked(const std::string& worker_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every worker built again, and the index (a worker joined or left).
  std::shared_ptr<ClusterSnapshot> BuildAllLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The last snapshot with the stale workers built again: shares every
  // other worker, and the index but for the stale workers' variants.
  std::shared_ptr<ClusterSnapshot> BuildChangedLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration dead_after_;
  const absl::Duration refusal_memory_;
  const absl::Duration heartbeat_refresh_;
  absl::Mutex mu_;
  // The first heartbeat not yet in the snapshot (InfiniteFuture: none), and
  // the workers such heartbeats came from.
  absl::Time beats_pending_since_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::set<std::string> beats_pending_ ABSL_GUARDED_BY(mu_);
  // As the heartbeats reported them (with NoteLoaded's additions), each
  // with its in-flight counts and call overhead figures in place. Immutable
  // once a snapshot shares it: changed by copying (MutableReportLocked).
  std::map<std::string, std::shared_ptr<const WorkerSnapshot>> workers_ ABSL_GUARDED_BY(mu_);
  // A load in flight: the instances it asked for and the memory of each.
  struct LoadMark {
    int instances = 1;
    int64_t instance_bytes = 0;
  };
  std::map<std::pair<std::string, std::string>, LoadMark> loading_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> draining_ ABSL_GUARDED_BY(mu_);  // id -> since
  std::set<std::pair<std::string, std::string>> unloading_ ABSL_GUARDED_BY(mu_);
  // (worker, variant) -> the router's marks there, kept in place (the
  // snapshots point at them) until the worker is forgotten.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<RouterMarks>> marks_
      ABSL_GUARDED_BY(mu_);
  // Per worker, the last few answers' overheads, and their median and p90
  // (the snapshots point at those, updated in place).
  struct Overheads {
    std::deque<double> recent;
    std::shared_ptr<CallOverhead> figures = std::make_shared<CallOverhead>();
  };
  std::map<std::string, Overheads> call_overhead_ms_ ABSL_GUARDED_BY(mu_);
  MeasuredLoadTimes load_ms_ ABSL_GUARDED_BY(mu_);  // per variant
  // Each refusal's end as it was set, oldest first (a later refusal of the
  // same variant there adds another; ExpireLocked checks the marks'
  // own end): marks run out without a scan of them all.
  std::deque<std::pair<absl::Time, std::shared_ptr<RouterMarks>>> refusal_ends_
      ABSL_GUARDED_BY(mu_);
  // The last snapshot built, what has changed since (workers whose entries
  // are stale; `membership_changed_`: a worker joined or left), and where
  // each worker is in it.
  std::shared_ptr<const ClusterSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> stale_ ABSL_GUARDED_BY(mu_);
  bool membership_changed_ ABSL_GUARDED_BY(mu_) = true;
  std::map<std::string, uint32_t> positions_ ABSL_GUARDED_BY(mu_);
  // No worker goes silent past dead_after before this (ExpireLocked).
  absl::Time next_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace infaas::controller
