#pragma once

// What the master knows of its workers at one instant: an immutable value
// that the pure policies (selector, autoscalers) read. The master builds a
// fresh one from heartbeats, indexes it (IndexSnapshot) and publishes it as
// std::shared_ptr<const ClusterSnapshot>.

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "controller/holder_index.h"
#include "latency/execution_times.h"

namespace infaas::controller {

// What this master's router knows of one variant on one worker before a
// heartbeat can tell: the queries it sent there and has not yet seen
// answered, and whether the worker refused one lately. Kept in place and
// shared by the view's snapshots, so neither a dispatch, an answer nor a
// refusal builds the snapshot again.
struct RouterMarks {
  std::atomic<int> queries{0};
  std::atomic<int64_t> examples{0};
  // The worker refused a query here (RESOURCE_EXHAUSTED: it predicted a
  // miss) within ClusterView's refusal memory.
  std::atomic<bool> refused{false};
  // Until when `refused` holds; ClusterView's alone (under its mutex).
  absl::Time refused_until = absl::InfinitePast();

  // A query of `inputs` inputs sent there; its answer (never below 0:
  // an answer may come for a query counted in marks since replaced).
  void Dispatched(int inputs);
  void Answered(int inputs);
};

// What calls to one worker add to its own times, learned from the answers
// of the last few calls; like RouterMarks, updated in place and shared by
// the view's snapshots.
struct CallOverhead {
  std::atomic<double> median_ms{0};
  std::atomic<double> p90_ms{0};
};

// One variant loaded on one worker (all its instances together).
struct LoadedVariant {
  std::string variant;
  // Instances serving; 0 while the first is loading.
  int instances = 1;
  // Online queries waiting or running on this variant on this worker.
  int queue_length = 0;
  // Offline (batch job) queries waiting or running; they yield to online ones.
  int offline_queue_length = 0;
  double arrival_qps = 0;  // recent
  double served_qps = 0;   // recent
  double average_batch = 0;
  double p50_latency_ms = 0;
  double p99_latency_ms = 0;
  // A load is in flight: of the first instance (instances == 0: not serving
  // yet) or of more.
  bool loading = false;
  // Recent execution times per batch size there (the latency model's
  // evidence), ascending by batch size.
  std::vector<latency::BatchTiming> execution{};
  // Queries (and their inputs) this master sent there and has not yet seen
  // answered, known at once, unlike queue_length, which is a heartbeat old;
  // and a recent refusal. Null: none. Read through the methods below.
  std::shared_ptr<RouterMarks> marks = nullptr;
  // A snapshot built by hand marks a refusal here; ClusterView's through
  // `marks`.
  bool refused_recently = false;

  bool serving() const { return instances > 0; }
  int InFlightQueries() const {
    return marks == nullptr ? 0 : marks->queries.load(std::memory_order_relaxed);
  }
  int64_t InFlightExamples() const {
    return marks == nullptr ? 0 : marks->examples.load(std::memory_order_relaxed);
  }
  // The worker refused a query here lately: the master's prediction and
  // the worker's disagree, so the selector treats it as overloaded until
  // the evidence catches up.
  bool RefusedRecently() const {
    return refused_recently || (marks != nullptr && marks->refused.load(std::memory_order_relaxed));
  }
};

struct WorkerSnapshot {
  std::string id;
  std::string address;  // host:port of its Worker service
  int cores = 1;
  double cpu_utilization = 0;  // 0..1 over all cores
  int64_t free_memory_bytes = 0;
  int64_t total_memory_bytes = 0;  // 0 when the worker does not report it
  absl::Time last_heartbeat;
  std::vector<LoadedVariant> variants;
  // Being drained before removal: takes no new queries or loads.
  bool draining = false;
  // What a call to this worker adds to its queue and compute time (network,
  // decoding, the master's own work): its median, and its p90, which a
  // query's deadline at the worker keeps back for the way back (the median
  // would leave a late answer for every slow return). Read them through
  // CallOverheadMs() / CallOverheadP90Ms(): ClusterView's snapshots point
  // at `measured`, which it updates in place with every answer (so an
  // answer does not build the snapshot again); a snapshot built by hand
  // sets the two figures. 0 until known.
  double call_overhead_ms = 0;
  double call_overhead_p90_ms = 0;
  std::shared_ptr<const CallOverhead> measured = nullptr;

  double CallOverheadMs() const {
    return measured == nullptr ? call_overhead_ms
                               : measured->median_ms.load(std::memory_order_relaxed);
  }
  double CallOverheadP90Ms() const {
    return measured == nullptr ? call_overhead_p90_ms
                               : measured->p90_ms.load(std::memory_order_relaxed);
  }

  // The loaded entry for `variant`, or nullptr.
  const LoadedVariant* Find(const std::string& variant) const {
    for (const LoadedVariant& v : variants) {
      if (v.variant == variant) return &v;
    }
    return nullptr;
  }
  // Cores not busy, by the last heartbeat's utilisation.
  double IdleCores() const;
};

// The workers of a snapshot. Each is an immutable WorkerSnapshot shared
// with the snapshots before and after it that saw the same state of that
// worker: ClusterView replaces one worker's entry per change, so building
// the next snapshot costs the workers that changed, not all of them. Reads
// like a std::vector<WorkerSnapshot>; Mutable(i) copies an entry that is
// shared before it is changed (snapshots built by hand, tests).
//
//   WorkerList workers = {a, b};
//   for (const WorkerSnapshot& w : workers) ...
//   workers.Mutable(1).draining = true;
class WorkerList {
 public:
  using Pointer = std::shared_ptr<const WorkerSnapshot>;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = WorkerSnapshot;
    using difference_type = std::ptrdiff_t;
    using pointer = const WorkerSnapshot*;
    using reference = const WorkerSnapshot&;

    const_iterator() = default;
    explicit const_iterator(std::vector<Pointer>::const_iterator it) : it_(it) {}
    reference operator*() const { return **it_; }
    pointer operator->() const { return it_->get(); }
    reference operator[](difference_type n) const { return *it_[n]; }
    const_iterator& operator++() {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) { return const_iterator(it_++); }
    const_iterator& operator--() {
      --it_;
      return *this;
    }
    const_iterator& operator+=(difference_type n) {
      it_ += n;
      return *this;
    }
    const_iterator operator+(difference_type n) const { return const_iterator(it_ + n); }
    const_iterator operator-(difference_type n) const { return const_iterator(it_ - n); }
    difference_type operator-(const const_iterator& other) const { return it_ - other.it_; }
    auto operator<=>(const const_iterator& other) const = default;

   private:
    std::vector<Pointer>::const_iterator it_;
  };

  WorkerList() = default;
  WorkerList(std::initializer_list<WorkerSnapshot> workers);
  WorkerList(const std::vector<WorkerSnapshot>& workers);  // NOLINT: reads as one

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const WorkerSnapshot& operator[](size_t i) const { return *items_[i]; }
  const WorkerSnapshot& front() const { return *items_.front(); }
  const WorkerSnapshot& back() const { return *items_.back(); }
  const_iterator begin() const { return const_iterator(items_.begin()); }
  const_iterator end() const { return const_iterator(items_.end()); }
  // The shared entry itself, to keep in another list.
  const Pointer& shared(size_t i) const { return items_[i]; }

  void push_back(WorkerSnapshot worker);
  // `worker` must have been made as a non-const WorkerSnapshot
  // (std::make_shared<WorkerSnapshot>): Mutable may change it in place.
  void push_back(Pointer worker) { items_.push_back(std::move(worker)); }
  void reserve(size_t n) { items_.reserve(n); }
  void clear() { items_.clear(); }
  void pop_back() { items_.pop_back(); }
  // Replaces entry `i` with `worker` (made as push_back(Pointer) says).
  void Replace(size_t i, Pointer worker) { items_[i] = std::move(worker); }
  // Entry `i`, copied first when anything else shares it.
  WorkerSnapshot& Mutable(size_t i);
  WorkerSnapshot& MutableBack() { return Mutable(items_.size() - 1); }

 private:
  std::vector<Pointer> items_;
};

// Variant -> how long loading one instance took when last measured on any
// worker (ms). Shared by the snapshots until it changes.
class MeasuredLoadTimes {
 public:
  // 0 when never measured.
  double Of(const std::string& variant) const;
  void Set(const std::string& variant, double ms);  // copies a shared table first
  bool empty() const { return times_ == nullptr || times_->empty(); }

 private:
  std::shared_ptr<const absl::flat_hash_map<std::string, double>> times_;
};

struct ClusterSnapshot {
  absl::Time taken_at;
  WorkerList workers;  // live workers only
  // The selector prefers these to the profiles' load times.
  MeasuredLoadTimes measured_load_ms;

  // An index over `workers` (IndexSnapshot; ClusterView's snapshots have
  // one), so that a selection neither scans every worker for a variant nor
  // every worker for a load: the workers holding each variant (serving or
  // loading), with where the variant is in each one's list; and the workers
  // that take loads (not draining) by free memory, then idle cores, most
  // first, then id. A snapshot without it is scanned.
  using Holder = HolderIndex::Holder;
  bool indexed = false;
  // Variant -> its holders; shares with the snapshot before it all but the
  // variants of the workers that changed.
  HolderIndex holders{};
  std::vector<uint32_t> load_order{};
  // The entries whose first instance is loading (not serving yet), in no
  // particular order: the loads in flight, without a scan of every worker.
  // A worker that lists a variant twice has both here; Find's is the first.
  std::vector<Holder> first_loads{};

  // The holders of `variant` in the index, or null (none, or no index).
  const std::vector<Holder>* HoldersOf(const std::string& variant) const;
};

// Whether `a` comes before `b` in a snapshot's load order.
bool LoadsFirst(const WorkerSnapshot& a, const WorkerSnapshot& b);

// The holders index of `workers` alone (IndexSnapshot's first half).
HolderIndex HolderIndexOf(const WorkerList& workers);

// Moves worker `i`'s entries in `index` from `before`'s variants (null: a
// new worker) to `after`'s.
void Reindex(uint32_t i, const WorkerSnapshot* before, const WorkerSnapshot& after,
             HolderIndex* index);

// Appends worker `i`'s entries whose first instance is loading.
void AppendFirstLoads(const WorkerList& workers, uint32_t i,
                      std::vector<ClusterSnapshot::Holder>* first_loads);

// Builds `cluster`'s index; call after the last change to its workers.
void IndexSnapshot(ClusterSnapshot* cluster);

}  // namespace infaas::controller
