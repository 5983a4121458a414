#pragma once

// The deadline rules of one instance's queue, as pure functions: the worker
// (worker/variant_instance.h) applies them to real queries, and a simulator
// can apply the very same ones to emulated queries.
//
//   estimates[b] = EstimateExecution(profile, measured, b) for b in 1..max batch
//   if (PredictedFinish(now, busy_until, ahead, n, estimates) > deadline) refuse;
//   ... forming a batch, for each query taken from the queue:
//   switch (Admit({.now = now, .deadline = d, .examples = n, ...}, estimates).decision) ...
//
// The rules. A batch about to run is allowed the tail (p90) of its estimate,
// not the median: a median-sized allowance lets about half of the batches
// cut close finish late. Not the p99: over the few dozen runs a worker
// keeps, that is their maximum, and one slow run would refuse every query
// until it ages out. Work queued ahead is summed at the median (many
// batches: their variation averages out). An estimate that is not finite
// (nothing known of the variant) never refuses or drops anything.
//
// Thread-safe (pure).

#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "latency/latency_model.h"

namespace infaas::latency {

// What the rules allow a batch about to run: max(median, p90).
double GuardMs(const ExecutionEstimate& estimate);

// `ms` as a duration the rules may act on: zero when it is not finite.
absl::Duration Predicted(double ms);

// When a query of `examples` examples, queued now behind `ahead` examples on
// an instance busy until `busy_until` (InfinitePast: idle), is predicted to
// finish: the work ahead at the median in batches of the max batch, then its
// own run at the guard. `estimates[b]` is the estimate at batch size b for
// b in 1..max batch (index 0 unused; the max batch is size() - 1).
absl::Time PredictedFinish(absl::Time now, absl::Time busy_until, int64_t ahead, int64_t examples,
                           absl::Span<const ExecutionEstimate> estimates);

// One query taken from the queue while a batch is being formed.
struct Candidate {
  absl::Time now{};
  absl::Time deadline = absl::InfiniteFuture();
  int64_t examples = 1;
  bool online = true;  // offline queries are never dropped for time
  // The batch formed so far (empty: this query would lead it).
  int64_t batch_examples = 0;
  absl::Time batch_earliest_deadline = absl::InfiniteFuture();
  // Its example shape equals the batch's (variable-shaped inputs batch only
  // when equal).
  bool same_shape = true;
};

enum class Admission {
  kJoin,       // it runs in this batch
  kExpired,    // its deadline has passed: answered DEADLINE_EXCEEDED, not run
  kDropped,    // even alone it would end after its deadline: answered, not run
  kLeadsNext,  // it does not fit this batch (size, shape, or the larger batch
               // would end after the earliest deadline in it): it leads the next
};

struct AdmissionDecision {
  Admission admission = Admission::kJoin;
  // With kDropped: when it was predicted to finish alone.
  absl::Time predicted_finish{};
};

// The rule for `candidate`; a query that would lead an empty batch is never
// kLeadsNext.
AdmissionDecision Admit(const Candidate& candidate, absl::Span<const ExecutionEstimate> estimates);

}  // namespace infaas::latency
