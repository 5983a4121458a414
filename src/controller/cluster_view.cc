#include "controller/cluster_view.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/latency_histogram.h"
#include "common/logging.h"

namespace infaas::controller {
namespace {

WorkerSnapshot FromHeartbeat(const worker_rpc::HeartbeatRequest& beat, absl::Time now) {
  WorkerSnapshot w;
  w.id = beat.worker_id();
  w.address = beat.address();
  w.cores = beat.cores() > 0 ? beat.cores() : 1;
  w.cpu_utilization = beat.cpu_utilization();
  w.free_memory_bytes = beat.free_memory_bytes();
  w.total_memory_bytes = beat.total_memory_bytes();
  w.last_heartbeat = now;
  for (const worker_rpc::VariantLoad& v : beat.variants()) {
    LoadedVariant lv;
    lv.variant = v.variant();
    lv.instances = std::max(v.instances(), 0);
    lv.queue_length = v.queue_length();
    lv.offline_queue_length = v.offline_queue_length();
    lv.arrival_qps = v.arrival_qps();
    lv.served_qps = v.served_qps();
    lv.average_batch = v.average_batch();
    lv.p50_latency_ms = v.p50_latency_ms();
    lv.p99_latency_ms = v.p99_latency_ms();
    lv.loading = v.loading();
    for (const worker_rpc::BatchTiming& t : v.execution()) {
      if (t.batch_size() < 1 || t.samples() < 1) continue;
      lv.execution.push_back({.batch_size = t.batch_size(),
                              .median_ms = t.median_ms(),
                              .p99_ms = t.p99_ms(),
                              .samples = t.samples()});
    }
    w.variants.push_back(std::move(lv));
  }
  return w;
}

// The same address, variants, instances and loads: a heartbeat between
// two such reports changes figures, not where a query may go.
bool ServesTheSame(const WorkerSnapshot& before, const WorkerSnapshot& now) {
  if (before.address != now.address || before.cores != now.cores ||
      before.variants.size() != now.variants.size()) {
    return false;
  }
  for (size_t i = 0; i < now.variants.size(); ++i) {
    const LoadedVariant& a = before.variants[i];
    const LoadedVariant& b = now.variants[i];
    if (a.variant != b.variant || a.instances != b.instances || a.loading != b.loading) {
      return false;
    }
  }
  return true;
}

// The same variants in the same order: the holders index stays right.
bool SameVariantNames(const WorkerSnapshot& a, const WorkerSnapshot& b) {
  if (a.variants.size() != b.variants.size()) return false;
  for (size_t i = 0; i < a.variants.size(); ++i) {
    if (a.variants[i].variant != b.variants[i].variant) return false;
  }
  return true;
}

// `free` less `instances` instances of `instance_bytes` each, never below
// 0 and never overflowing (the sizes come from registered profiles).
int64_t LessInstances(int64_t free, int instances, int64_t instance_bytes) {
  if (instances <= 0 || instance_bytes <= 0 || free <= 0) return std::max<int64_t>(free, 0);
  if (instance_bytes >= free / instances + 1) return 0;
  return free - instances * instance_bytes;
}

}  // namespace

ClusterView::ClusterView(absl::Duration dead_after, absl::Duration refusal_memory,
                         absl::Duration heartbeat_refresh)
    : dead_after_(dead_after),
      refusal_memory_(refusal_memory),
      heartbeat_refresh_(heartbeat_refresh) {}

void ClusterView::OnHeartbeat(const worker_rpc::HeartbeatRequest& beat, absl::Time now) {
  WorkerSnapshot w = FromHeartbeat(beat, now);
  absl::MutexLock lock(&mu_);
  auto known = workers_.find(w.id);
  if (known == workers_.end()) {
    LogInfo("worker joined", {{"worker", w.id}, {"address", w.address}});
  }
  const bool same_service = known != workers_.end() && ServesTheSame(*known->second, w);
  // Each variant's in-flight count exists before the first query to it, so
  // that the snapshot already points at it and a dispatch never builds the
  // snapshot again.
  for (LoadedVariant& v : w.variants) v.marks = MarksLocked(w.id, v.variant);
  if (auto o = call_overhead_ms_.find(w.id); o != call_overhead_ms_.end()) {
    w.measured = o->second.figures;
  }
  next_expiry_ = std::min(next_expiry_, now + dead_after_);
  // A reported variant is no longer "loading"; one no longer reported is
  // done unloading.
  for (const LoadedVariant& v : w.variants) loading_.erase({w.id, v.variant});
  for (const worker_rpc::VariantLoad& v : beat.variants()) {
    if (v.load_latency_ms() > 0 && std::isfinite(v.load_latency_ms()) &&
        load_ms_.Of(v.variant()) != v.load_latency_ms()) {
      load_ms_.Set(v.variant(), v.load_latency_ms());
    }
  }
  std::erase_if(unloading_, [&w](const std::pair<std::string, std::string>& u) {
    return u.first == w.id && w.Find(u.second) == nullptr;
  });
  const std::string id = w.id;
  if (known == workers_.end()) membership_changed_ = true;
  workers_[id] = std::make_shared<const WorkerSnapshot>(std::move(w));
  if (same_service && heartbeat_refresh_ > absl::ZeroDuration()) {
    beats_pending_.insert(id);
    beats_pending_since_ = std::min(beats_pending_since_, now);
    return;
  }
  TouchLocked(id);
}

void ClusterView::NoteLoadStarted(const std::string& worker_id, const std::string& variant,
                                  int instances, int64_t instance_bytes) {
  absl::MutexLock lock(&mu_);
  loading_[{worker_id, variant}] = LoadMark{.instances = std::max(instances, 1),
                                            .instance_bytes = std::max<int64_t>(instance_bytes, 0)};
  // A new load supersedes an unload or a NOT_FOUND seen before it.
  unloading_.erase({worker_id, variant});
  TouchLocked(worker_id);
}

void ClusterView::NoteLoadFailed(const std::string& worker_id, const std::string& variant) {
  absl::MutexLock lock(&mu_);
  loading_.erase({worker_id, variant});
  TouchLocked(worker_id);
}

void ClusterView::NoteLoaded(const std::string& worker_id, const std::string& variant) {
  absl::MutexLock lock(&mu_);
  LoadMark mark;
  if (auto it = loading_.find({worker_id, variant}); it != loading_.end()) {
    mark = it->second;
    loading_.erase(it);
  }
  unloading_.erase({worker_id, variant});
  auto it = workers_.find(worker_id);
  if (it != workers_.end()) {
    const LoadedVariant* reported = it->second->Find(variant);
    const int more = mark.instances - (reported != nullptr ? reported->instances : 0);
    if (reported == nullptr || (more > 0 && mark.instance_bytes > 0)) {
      WorkerSnapshot* w = MutableReportLocked(worker_id);
      // Until the next heartbeat says how much is free.
      w->free_memory_bytes = LessInstances(w->free_memory_bytes, more, mark.instance_bytes);
      if (reported == nullptr) {
        w->variants.push_back(LoadedVariant{.variant = variant,
                                            .instances = mark.instances,
                                            .marks = MarksLocked(worker_id, variant)});
      }
    }
  }
  TouchLocked(worker_id);
}

void ClusterView::MarkDead(const std::string& worker_id) {
  absl::MutexLock lock(&mu_);
  std::erase_if(unloading_, [&worker_id](const auto& u) { return u.first == worker_id; });
  std::erase_if(marks_, [&worker_id](const auto& f) { return f.first.first == worker_id; });
  if (workers_.erase(worker_id) > 0) {
    LogWarning("worker marked dead", {{"worker", worker_id}, {"reason", "RPC unavailable"}});
    membership_changed_ = true;
  }
}

void ClusterView::NoteUnloading(const std::string& worker_id, const std::string& variant) {
  absl::MutexLock lock(&mu_);
  loading_.erase({worker_id, variant});
  unloading_.insert({worker_id, variant});
  TouchLocked(worker_id);
}

void ClusterView::NoteUnloadFailed(const std::string& worker_id, const std::string& variant) {
  absl::MutexLock lock(&mu_);
  unloading_.erase({worker_id, variant});
  TouchLocked(worker_id);
}

void ClusterView::SetDraining(const std::string& worker_id, bool draining, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (draining) {
    draining_.try_emplace(worker_id, now);
  } else {
    draining_.erase(worker_id);
  }
  TouchLocked(worker_id);
}

std::map<std::string, absl::Time> ClusterView::Draining() {
  absl::MutexLock lock(&mu_);
  return draining_;
}

void ClusterView::ExpireLocked(absl::Time now) {
  // Called on every selection. A refusal mark runs out (in place: the
  // snapshots show it through RouterMarks) when the oldest end still
  // queued has come and the mark was not renewed since.
  while (!refusal_ends_.empty() && refusal_ends_.front().first <= now) {
    RouterMarks& marks = *refusal_ends_.front().second;
    if (marks.refused_until <= now) marks.refused.store(false, std::memory_order_relaxed);
    refusal_ends_.pop_front();
  }
  // Workers: scan only when one may have gone silent (heartbeats only move
  // a worker's expiry later, so the earliest expiry seen at the last scan
  // is a safe bound).
  if (now < next_expiry_) return;
  next_expiry_ = absl::InfiniteFuture();
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (now - it->second->last_heartbeat > dead_after_) {
      LogWarning("worker marked dead",
                 {{"worker", it->first},
                  {"reason", "no heartbeat"},
                  {"silent_ms",
                   absl::StrCat(absl::ToInt64Milliseconds(now - it->second->last_heartbeat))}});
      std::erase_if(unloading_, [&it](const auto& u) { return u.first == it->first; });
      std::erase_if(marks_, [&it](const auto& f) { return f.first.first == it->first; });
      it = workers_.erase(it);
      membership_changed_ = true;
    } else {
      next_expiry_ = std::min(next_expiry_, it->second->last_heartbeat + dead_after_);
      ++it;
    }
  }
}

std::shared_ptr<const ClusterSnapshot> ClusterView::Snapshot(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ExpireLocked(now);
  if (now - beats_pending_since_ >= heartbeat_refresh_) {
    stale_.insert(beats_pending_.begin(), beats_pending_.end());
    beats_pending_.clear();
    beats_pending_since_ = absl::InfiniteFuture();
  }
  if (snapshot_ != nullptr && !membership_changed_ && stale_.empty()) return snapshot_;
  snapshot_ =
      snapshot_ == nullptr || membership_changed_ ? BuildAllLocked(now) : BuildChangedLocked(now);
  stale_.clear();
  membership_changed_ = false;
  return snapshot_;
}

WorkerSnapshot* ClusterView::MutableReportLocked(const std::string& worker_id) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return nullptr;
  auto copy = std::make_shared<WorkerSnapshot>(*it->second);
  it->second = copy;
  return copy.get();
}

WorkerList::Pointer ClusterView::BuildWorkerLocked(
    const std::string& id, const std::shared_ptr<const WorkerSnapshot>& reported) {
  // The marks on this worker's variants, each set ordered by worker first:
  // a range each, usually empty, rather than a lookup per variant. (Its
  // in-flight counts and refusals are in the reported entries already.)
  const auto first = std::pair<std::string, std::string>(id, std::string());
  auto unloading = unloading_.lower_bound(first);
  auto loading = loading_.lower_bound(first);  // a map: ordered by (worker, variant)
  const bool any_unloading = unloading != unloading_.end() && unloading->first == id;
  const bool any_loading = loading != loading_.end() && loading->first.first == id;
  const bool draining = draining_.contains(id);
  const auto overheads = call_overhead_ms_.find(id);
  const std::shared_ptr<const CallOverhead> measured =
      overheads != call_overhead_ms_.end() ? overheads->second.figures : nullptr;
  if (!any_unloading && !any_loading && !draining && reported->measured == measured) {
    return reported;
  }
  auto w = std::make_shared<WorkerSnapshot>(*reported);
  w->draining = draining;
  w->measured = measured;
  if (any_unloading) {
    std::erase_if(w->variants, [this, &id](const LoadedVariant& v) {
      mu_.AssertHeld();
      return unloading_.contains({id, v.variant});
    });
  }
  // This worker's loads in flight. A worker may hold hundreds of variants:
  // they are looked up by name, not scanned per mark.
  if (any_loading) {
    absl::flat_hash_map<absl::string_view, size_t> slots;
    slots.reserve(w->variants.size());
    for (size_t i = 0; i < w->variants.size(); ++i) slots.try_emplace(w->variants[i].variant, i);
    std::vector<std::pair<std::string, LoadMark>> started;
    for (; loading != loading_.end() && loading->first.first == id; ++loading) {
      const LoadMark& mark = loading->second;
      auto slot = slots.find(loading->first.second);
      if (slot == slots.end()) {
        started.emplace_back(loading->first.second, mark);
        continue;
      }
      // More instances of a variant it holds: only those count.
      const int more = mark.instances - w->variants[slot->second].instances;
      w->free_memory_bytes = LessInstances(w->free_memory_bytes, more, mark.instance_bytes);
    }
    for (auto& [variant, mark] : started) {  // after the lookups: names move
      w->free_memory_bytes =
          LessInstances(w->free_memory_bytes, mark.instances, mark.instance_bytes);
      std::shared_ptr<RouterMarks> marks = MarksLocked(id, variant);
      w->variants.push_back(LoadedVariant{.variant = std::move(variant),
                                          .instances = 0,
                                          .loading = true,
                                          .marks = std::move(marks)});
    }
  }
  return w;
}

std::shared_ptr<ClusterSnapshot> ClusterView::BuildAllLocked(absl::Time now) {
  beats_pending_.clear();
  beats_pending_since_ = absl::InfiniteFuture();
  auto snapshot = std::make_shared<ClusterSnapshot>();
  snapshot->taken_at = now;
  snapshot->workers.reserve(workers_.size());
  positions_.clear();
  for (const auto& [id, worker] : workers_) {
    positions_[id] = static_cast<uint32_t>(snapshot->workers.size());
    snapshot->workers.push_back(BuildWorkerLocked(id, worker));
  }
  snapshot->measured_load_ms = load_ms_;
  IndexSnapshot(snapshot.get());
  return snapshot;
}

std::shared_ptr<ClusterSnapshot> ClusterView::BuildChangedLocked(absl::Time now) {
  auto snapshot = std::make_shared<ClusterSnapshot>(*snapshot_);
  snapshot->taken_at = now;
  snapshot->measured_load_ms = load_ms_;
  std::vector<uint32_t> changed;
  for (const std::string& id : stale_) {
    auto position = positions_.find(id);
    auto reported = workers_.find(id);
    if (position == positions_.end() || reported == workers_.end()) continue;
    const uint32_t i = position->second;
    WorkerList::Pointer built = BuildWorkerLocked(id, reported->second);
    if (!SameVariantNames(snapshot->workers[i], *built)) {
      Reindex(i, &snapshot->workers[i], *built, &snapshot->holders);
    }
    snapshot->workers.Replace(i, std::move(built));
    changed.push_back(i);
  }
  auto changed_worker = [&changed](uint32_t i) {
    return std::find(changed.begin(), changed.end(), i) != changed.end();
  };
  std::erase_if(snapshot->first_loads,
                [&](const ClusterSnapshot::Holder& h) { return changed_worker(h.worker); });
  for (uint32_t i : changed) AppendFirstLoads(snapshot->workers, i, &snapshot->first_loads);
  // The load order: the others keep their places (their figures did not
  // change); each changed worker is taken out and put back where it goes.
  std::vector<uint32_t>& order = snapshot->load_order;
  std::erase_if(order, changed_worker);
  const WorkerList& workers = snapshot->workers;
  for (uint32_t i : changed) {
    if (workers[i].draining) continue;
    auto at = std::lower_bound(order.begin(), order.end(), i, [&workers](uint32_t a, uint32_t b) {
      return LoadsFirst(workers[a], workers[b]);
    });
    order.insert(at, i);
  }
  return snapshot;
}

std::shared_ptr<RouterMarks> ClusterView::MarksLocked(const std::string& worker_id,
                                                      const std::string& variant) {
  std::shared_ptr<RouterMarks>& marks = marks_[{worker_id, variant}];
  if (marks == nullptr) marks = std::make_shared<RouterMarks>();
  return marks;
}

const std::shared_ptr<RouterMarks>& ClusterView::ShownMarksLocked(const std::string& worker_id,
                                                                  const std::string& variant) {
  std::shared_ptr<RouterMarks>& marks = marks_[{worker_id, variant}];
  if (marks == nullptr) {
    // Not a variant a heartbeat or a finished load reported: the snapshot
    // does not point at it yet.
    marks = std::make_shared<RouterMarks>();
    if (WorkerSnapshot* w = MutableReportLocked(worker_id); w != nullptr) {
      for (LoadedVariant& v : w->variants) {
        if (v.variant == variant) v.marks = marks;
      }
    }
    TouchLocked(worker_id);
  }
  return marks;
}

void ClusterView::NoteDispatched(const std::string& worker_id, const std::string& variant,
                                 int examples, const std::shared_ptr<RouterMarks>& marks) {
  if (marks != nullptr) {
    marks->Dispatched(examples);
    return;
  }
  absl::MutexLock lock(&mu_);
  ShownMarksLocked(worker_id, variant)->Dispatched(examples);
}

void ClusterView::NoteRefused(const std::string& worker_id, const std::string& variant,
                              absl::Time now, const std::shared_ptr<RouterMarks>& marks) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<RouterMarks> refused =
      marks != nullptr ? marks : ShownMarksLocked(worker_id, variant);
  refused->refused_until = now + refusal_memory_;
  refused->refused.store(true, std::memory_order_relaxed);
  refusal_ends_.emplace_back(refused->refused_until, std::move(refused));
}

void ClusterView::NoteAnswered(const std::string& worker_id, const std::string& variant,
                               int examples, double overhead_ms,
                               const std::shared_ptr<RouterMarks>& marks) {
  constexpr size_t kOverheadsKept = 32;
  const bool overhead_known = overhead_ms >= 0 && std::isfinite(overhead_ms);
  if (marks != nullptr) {
    marks->Answered(examples);  // the very marks its dispatch counted in
    if (!overhead_known) return;
  }
  absl::MutexLock lock(&mu_);
  if (marks == nullptr) {
    if (auto it = marks_.find({worker_id, variant}); it != marks_.end()) {
      it->second->Answered(examples);
    }
  }
  if (overhead_known) {
    auto [it, first] = call_overhead_ms_.try_emplace(worker_id);
    Overheads& overheads = it->second;
    overheads.recent.push_back(overhead_ms);
    while (overheads.recent.size() > kOverheadsKept) overheads.recent.pop_front();
    const std::vector<double> recent(overheads.recent.begin(), overheads.recent.end());
    overheads.figures->median_ms.store(PercentileOf(recent, 50), std::memory_order_relaxed);
    overheads.figures->p90_ms.store(PercentileOf(recent, 90), std::memory_order_relaxed);
    // The snapshot does not point at a new worker's figures yet.
    if (first) TouchLocked(worker_id);
  }
}

int ClusterView::LiveWorkers(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ExpireLocked(now);
  return static_cast<int>(workers_.size());
}

}  // namespace infaas::controller
