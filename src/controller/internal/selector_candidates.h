#pragma once

// The selector's options: one (variant, worker) placement each, with what a
// query would see there. Private to the selector; see selector.h for the
// latency model these figures follow.

#include <cstdint>
#include <vector>

#include "controller/cluster_snapshot.h"
#include "controller/selector.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::controller::internal {

enum class Readiness {
  kServing,  // loaded and serving on the worker
  kLoading,  // a load is in flight on the worker
  kCold,     // not on the worker; a load would be needed
};

// One place a query could run. Points into the catalogue and the snapshot,
// which must outlive it.
struct Candidate {
  const v1::VariantRecord* record = nullptr;
  const WorkerSnapshot* worker = nullptr;
  Readiness readiness = Readiness::kCold;
  int queue_length = 0;  // inputs ahead of the query there
  double queue_per_instance = 0;
  double service_ms = 0;    // inference at the query's batch, warm and idle (latency model)
  double wait_ms = 0;       // load still to come + queued work ahead + call overhead
  double load_ms = 0;       // the load part of wait_ms (cold or loading), as expected
  double predicted_ms = 0;  // wait_ms + service_ms
  // predicted_ms with the way back at its p90, not its median: the time the
  // worker itself holds the query to (the router keeps the p90 back from
  // the budget it sends), so a query the master deems in time is not one
  // the worker refuses.
  double admission_ms = 0;
  double cost = 0;  // cpu_threads * service_ms, core-ms
  // Serving with too long a queue per instance, or refused a query lately
  // (LoadedVariant::RefusedRecently).
  bool overloaded = false;
};

// Config fields with their proto defaults (0 means 1) applied.
int MaxBatch(const v1::VariantRecord& record);
int CpuThreads(const v1::VariantRecord& record);

// True when `dims` (a query's -d) fits the variant's declared input: same
// rank, equal sizes except where the config says -1; a config without dims
// accepts anything. `dims` is the full example shape, or (the original
// INFaaS's -d) a single image size that must equal both spatial dimensions
// of a [C, H, W] input.
bool InputMatches(const v1::VariantRecord& record, const std::vector<int64_t>& dims);

// A candidate's cost: cpu_threads times the profile's median at `batch`
// (core-ms); +inf without a profiled latency (NaN for a malformed one).
double ProfileCost(const v1::VariantRecord& record, int batch);

// Serving with too long a queue per instance, or refused a query lately:
// Candidate::overloaded, without the rest of a candidate.
bool Overloaded(const LoadedVariant& loaded, const SelectorOptions& options);

// The candidate for `record` on `worker`: serving or loading there when
// `loaded` (its entry) is given, else cold.
Candidate MakeCandidate(const v1::VariantRecord& record, const WorkerSnapshot& worker,
                        const LoadedVariant* loaded, int batch, const ClusterSnapshot& cluster,
                        const SelectorOptions& options);

// The order of forms 2 and 3: tier (serving and not overloaded, then a
// load, then overloaded), cost, then for one variant on several workers the
// least loaded; names last, so that the order is total.
bool RanksBefore(const Candidate& a, const Candidate& b);

// About when `c` will meet the query's target (ms from now): how far its
// prediction is past the target, at least 1 ms. A refusal's retry-after.
double UntilInTimeMs(const Candidate& c, const QueryRequirements& requirements);

// Whether `to_load` should load in the background of a query served by
// `chosen`: only when that query needs no load itself (one per query at
// most), and the load relieves an overloaded instance or is of another
// variant at most 1 / background_load_min_cost_ratio of the cost.
bool WorthLoadingInBackground(const Candidate& chosen, const Candidate& to_load,
                              const SelectorOptions& options);

// The worker to load `record` on: one that neither serves nor loads it and
// has at least its peak memory free; those with enough idle cores for its
// threads first, then the most free memory, then the most idle cores.
// nullptr when no worker can take it.
const WorkerSnapshot* ChooseLoadWorker(const v1::VariantRecord& record,
                                       const ClusterSnapshot& cluster);

// Every serving or loading instance of each record, plus one cold candidate
// per record on ChooseLoadWorker (when there is one).
std::vector<Candidate> BuildCandidates(const std::vector<const v1::VariantRecord*>& records,
                                       const ClusterSnapshot& cluster, int batch,
                                       const SelectorOptions& options);

// Of BuildCandidates' candidates, those BestQualifying, BestToLoad and
// BestBusy may pick for `requirements`: none of a record below its
// accuracy, no cold one slower than its target (the error messages, which
// offer the alternatives, take them all).
std::vector<Candidate> Pickable(const std::vector<Candidate>& all,
                                const QueryRequirements& requirements);

// Forms 2 and 3: the preferred candidate with accuracy >= the minimum and
// predicted <= SLO (tiers and order as in selector.h), or nullptr.
const Candidate* BestQualifying(const std::vector<Candidate>& candidates,
                                const QueryRequirements& requirements);

// The cheapest cold candidate that would qualify once warm and idle, whose
// variant is not loading anywhere; nullptr if none, or if a variant that
// would qualify warm is loading already (one load at a time).
const Candidate* BestToLoad(const std::vector<Candidate>& candidates,
                            const QueryRequirements& requirements);

// Forms 2 and 3, when nothing qualifies: among the serving candidates that
// would qualify warm and idle by their profile (so only their queue, or
// interference on their worker, keeps them from the SLO now), the one
// predicting least; nullptr if none.
const Candidate* BestBusy(const std::vector<Candidate>& candidates,
                          const QueryRequirements& requirements);

// Form 1: a serving instance (least queue per instance, then least CPU),
// else one loading, else the cold candidate; nullptr if `candidates` is empty.
const Candidate* BestForNamedVariant(const std::vector<Candidate>& candidates);

// True when `record` meets the accuracy minimum and, warm and idle, the SLO.
bool QualifiesWhenIdle(const v1::VariantRecord& record, const QueryRequirements& requirements);

}  // namespace infaas::controller::internal
