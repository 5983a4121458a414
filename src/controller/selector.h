#pragma once

// Variant selection: which variant serves a query, and on which worker.
//
// A query says what it needs in one of three forms (see infaas/v1/api.proto):
//   1. a variant                                    -> only the worker is chosen;
//   2. an architecture + a latency SLO              -> the variant and the worker;
//   3. task + dataset (+ min accuracy) + latency SLO -> the architecture too.
//
// SelectVariant is a pure function of (requirements, catalogue, cluster
// snapshot): no threads, no clock reads, no I/O. It is thread-safe; callers
// pass the snapshots the master publishes as std::shared_ptr<const T>.
//
//   QueryRequirements query{.architecture = "lenet5", .latency_slo_ms = 5};
//   SelectorDecision decision = SelectVariant(query, *catalogue, *cluster);
//   if (decision.background_load) owner->RequestLoad(*decision.background_load);
//   if (!decision.selection.ok()) return decision.selection.status();
//   Dispatch(*decision.selection);
//
// The latency model. For a variant at the query's batch size b on a worker:
//   service(b)  = the median from latency/latency_model.h: the profile's,
//               blended with the execution times that worker reported for
//               the variant (none for a cold option: the profile alone);
//   on an instance that serves it:  predicted = service(b) + queued work +
//               the worker's call overhead, where queued work runs the inputs
//               ahead — max(the heartbeat's queue, what this master has sent
//               and not seen answered) — in batches of the max batch, spread
//               evenly over the instances;
//   on an instance still loading:   predicted += load time (an upper
//               bound: the load began earlier);
//   cold (loaded nowhere suitable): predicted = load time + service(b) +
//               call overhead, the load time as last measured on the
//               cluster, else three times the profile's (a worker's first
//               load also sets the engine up; the profiler's was warm).
//   cost = cpu_threads * the profile's service(b): the core-milliseconds the
//               variant needs. What a worker measured moves the prediction
//               (whether it meets the target), not the ranking: a slowdown
//               measured on a busy machine is contention, not the variant's
//               cost. So the search can visit the variants cheapest first
//               and stop early (below).
//
// Forms 2 and 3. Candidates are the architecture's (family's) variants whose
// input matches `input_dims` (if given), whose max batch is >= the batch and
// whose accuracy is >= the minimum. A (variant, worker) option qualifies when
// predicted <= SLO. Preference, then the cheapest within a tier:
//   1. serving, not overloaded (queue per instance <= the option's limit);
//   2. cold, or a load in flight, when load + inference fits the SLO;
//   3. serving but overloaded (only when nothing else qualifies).
// Ties on cost go to the least-loaded worker (queue per instance, then CPU).
// A loose SLO thus picks the cheapest variant, not the biggest one, and a
// tight SLO never waits for a load.
//
// Background loads. When a query is served without a load, the cheapest
// cold option that would qualify warm and idle (its variant loading nowhere)
// is recommended if the chosen instance is overloaded, or if it is another
// variant whose profile costs at least `background_load_min_cost_ratio`
// times as much (profiles, not measurements: a slowdown measured on a busy
// machine would make every cold option look cheaper). When nothing qualifies now
// but something would warm, the error is UNAVAILABLE and carries that load.
// While a variant that would qualify warm is loading, none other is
// recommended: queries wait for that load rather than each start a sibling.
//
// The search. On an indexed catalogue and snapshot (Catalogue::BuildIndex,
// IndexSnapshot), forms 2 and 3 visit the scope's variants cheapest first
// (Catalogue::ByCost) and stop at the first cost above that of a serving,
// qualifying option: at a steady state, a few variants of the 1,000 in a
// family. The background load looks only at variants cheap enough to be
// worth it, and at the snapshot's first loads in flight. When nothing
// serving qualifies (a refusal, a load), or for a batch beyond
// kCostOrderBatches, every candidate is built, as without an index; both
// ways decide the same (selector_index_test).
//
// Form 1. The serving instance with the shortest queue per instance (then
// the lowest CPU); else one whose load is in flight; else a load on the
// worker with room (see "load worker" below). An overloaded choice comes with
// a recommendation to load another instance elsewhere.
//
// Load worker: one that does not hold the variant and has at least its
// peak_memory_bytes free; those with idle cores >= its threads first, then the
// most free memory, then the most idle cores.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/cluster_snapshot.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::controller {

// What one query requires. Exactly one form: `variant`; or `architecture`;
// or `task` + `dataset`. Forms 2 and 3 need latency_slo_ms > 0; form 1
// ignores latency_slo_ms and min_accuracy_percent.
struct QueryRequirements {
  std::string variant;       // form 1
  std::string architecture;  // form 2
  std::string task;          // form 3, with dataset
  std::string dataset;
  double min_accuracy_percent = 0;  // 0..100; forms 2 and 3
  double latency_slo_ms = 0;        // 0 means none (form 1 only)
  int batch_size = 1;               // inputs in the query, >= 1
  // Expected dims of one example (the CLI's -d); empty means unchecked.
  std::vector<int64_t> input_dims;
};

// The registered variants, as the master's catalogue view holds them.
// A plain value; share it as std::shared_ptr<const Catalogue>.
//
// BuildIndex() indexes the variants by name, architecture and task/dataset
// so that Find and the selector look them up rather than scan them all: call
// it after the last change to `variants` (the catalogue view and the
// simulator do). A catalogue never indexed, or whose size changed since, is
// scanned; one whose names, architectures or families changed in place
// since must be indexed again.
struct Catalogue {
  std::vector<v1::VariantRecord> variants;

  void BuildIndex();
  // True when BuildIndex ran since the last change of size.
  bool Indexed() const { return indexed_size == variants.size() && indexed_size > 0; }
  // The record whose config.name is `name`, or nullptr.
  const v1::VariantRecord* Find(absl::string_view name) const;
  // Positions in `variants` of the architecture's (or the family's)
  // variants, in catalogue order: empty when there are none; nullptr when
  // the catalogue is not indexed.
  const std::vector<uint32_t>* IndexedArchitecture(absl::string_view architecture) const;
  const std::vector<uint32_t>* IndexedFamily(absl::string_view task,
                                             absl::string_view dataset) const;
  // Positions of the query's scope (its architecture, or its task and
  // dataset) that can take `batch` inputs (max batch >= batch, a finite
  // profiled latency at it), cheapest first: by cpu_threads times the profile's
  // median at `batch`, then in catalogue order. Empty when there are none;
  // nullptr when the catalogue is not indexed, the query is by variant, or
  // `batch` is not in 1..kCostOrderBatches.
  const std::vector<uint32_t>* ByCost(const QueryRequirements& requirements, int batch) const;

  // The batch sizes ByCost is indexed for: a query of more inputs is rare,
  // and its selection builds every candidate instead.
  static constexpr int kCostOrderBatches = 32;

  // The index (BuildIndex); not for direct use.
  struct Scope {
    std::vector<uint32_t> positions;               // catalogue order
    std::vector<std::vector<uint32_t>> by_cost{};  // [batch - 1]
  };
  size_t indexed_size = 0;
  absl::flat_hash_map<std::string, uint32_t> by_name{};
  absl::flat_hash_map<std::string, Scope> by_architecture{};
  absl::flat_hash_map<std::string, Scope> by_family{};  // "task\ndataset"
};

// Tunables of the policy. The defaults suit the shipped zoo.
struct SelectorOptions {
  // An instance with more queued queries per instance than this is
  // overloaded: avoided while another option qualifies.
  double overload_queue_per_instance = 8;
  // A background load of a cheaper variant is recommended only when the one
  // chosen costs at least this many times as much (avoids churn).
  double background_load_min_cost_ratio = 1.5;
  // How many names or alternatives an error message lists at most.
  int max_names_in_errors = 5;
  // Write Selection::reason (a microsecond of formatting per query): for
  // tools and tests; the router, which shows it nowhere, leaves it out.
  bool explain = true;
};

// A load the caller should start now, off the request path, so that later
// queries find the variant warm.
struct LoadRecommendation {
  std::string variant;
  std::string worker_id;
  std::string worker_address;
  double load_latency_ms = 0;  // from the variant's profile
  std::string reason;          // for logs
};

// Where one query runs.
struct Selection {
  std::string variant;
  std::string worker_id;
  std::string worker_address;
  // The worker does not hold the variant: the dispatcher must load it there
  // before sending the query. False when it serves it or a load is in flight.
  bool needs_load = false;
  // The variant's first instance is loading there: the dispatcher must wait
  // for that load before sending the query.
  bool wait_for_load = false;
  // What the query should see, load and queue included; +inf when the
  // variant has no measured latency (form 1 only).
  double predicted_latency_ms = 0;
  double accuracy_percent = 0;  // the variant's, from its profile
  // What a call to the worker adds to its queue and compute time (learned).
  double call_overhead_ms = 0;
  // Its p90: kept back from the deadline the worker is given.
  double call_overhead_p90_ms = 0;
  // Instances of the variant serving on the worker (0: none yet).
  int instances = 0;
  std::string reason;  // why this choice (SelectorOptions::explain)
  // The router's marks on the variant there, when the snapshot has them:
  // the dispatch and the answer count there without a lookup by name.
  std::shared_ptr<RouterMarks> marks = nullptr;
};

// The outcome of one selection.
//
// `selection` is the choice, or why there is none:
//   INVALID_ARGUMENT    malformed requirements; batch above every max batch;
//                       input_dims that match no candidate's input.
//   NOT_FOUND           unknown variant, architecture or (task, dataset); the
//                       message names similar or existing ones.
//   UNAVAILABLE         no live worker; or some variant would meet the
//                       requirements warm and idle, but none can right now
//                       (busy, loading, or not loaded and its load does not
//                       fit the SLO). Retrying shortly may succeed.
//   FAILED_PRECONDITION no variant meets the requirements even warm and idle;
//                       the message lists the nearest feasible trade-offs.
//   RESOURCE_EXHAUSTED  forms 2 and 3: overload — a serving variant would
//                       meet them with an empty queue, but none does behind
//                       its queue now (admission control: refused at once);
//                       `retry_after_ms` says when to retry, the message the
//                       nearest alternatives met now. Form 1: the variant is
//                       loaded nowhere and no worker has the memory to load it.
// `background_load`, set with a selection or with UNAVAILABLE, is a load the
// caller should start whatever the outcome (the UNAVAILABLE text tells the
// client that it is loading).
struct SelectorDecision {
  absl::StatusOr<Selection> selection;
  std::optional<LoadRecommendation> background_load;
  // With RESOURCE_EXHAUSTED for overload: about when the queue will have
  // drained enough to meet the target (ms). With UNAVAILABLE while a load
  // that would serve it is in flight or starts: about when it will have
  // loaded (ms). 0 otherwise (no capacity to wait for).
  double retry_after_ms = 0;
};

// Chooses the variant and worker for one query; see the banner above for
// the rules and SelectorDecision for the errors. Pure and thread-safe.
SelectorDecision SelectVariant(const QueryRequirements& requirements, const Catalogue& catalogue,
                               const ClusterSnapshot& cluster, const SelectorOptions& options = {});

// The profile's median latency in ms of one call at `batch`:
// latency::ProfileMedianMs (see latency/latency_model.h).
double PredictLatencyMs(const v1::VariantProfile& profile, int batch);

}  // namespace infaas::controller
