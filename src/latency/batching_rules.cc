#include "latency/batching_rules.h"

#include <algorithm>
#include <cmath>

namespace infaas::latency {
namespace {

int MaxBatch(absl::Span<const ExecutionEstimate> estimates) {
  return std::max(1, static_cast<int>(estimates.size()) - 1);
}

const ExecutionEstimate& At(absl::Span<const ExecutionEstimate> estimates, int64_t batch) {
  const int64_t b = std::clamp<int64_t>(batch, 1, MaxBatch(estimates));
  return estimates[static_cast<size_t>(b)];
}

}  // namespace

double GuardMs(const ExecutionEstimate& estimate) {
  return std::max(estimate.median_ms, estimate.p90_ms);
}

absl::Duration Predicted(double ms) {
  return std::isfinite(ms) ? absl::Milliseconds(ms) : absl::ZeroDuration();
}

absl::Time PredictedFinish(absl::Time now, absl::Time busy_until, int64_t ahead, int64_t examples,
                           absl::Span<const ExecutionEstimate> estimates) {
  const int max_batch = MaxBatch(estimates);
  double backlog_ms = 0;
  const int64_t full = ahead / max_batch;
  const int64_t rest = ahead % max_batch;
  const double full_ms = At(estimates, max_batch).median_ms;
  if (full > 0 && std::isfinite(full_ms)) backlog_ms += static_cast<double>(full) * full_ms;
  if (rest > 0 && std::isfinite(At(estimates, rest).median_ms)) {
    backlog_ms += At(estimates, rest).median_ms;
  }
  const double own_ms = GuardMs(At(estimates, examples));
  return std::max(now, busy_until) + Predicted(backlog_ms) + Predicted(own_ms);
}

AdmissionDecision Admit(const Candidate& c, absl::Span<const ExecutionEstimate> estimates) {
  if (c.now > c.deadline) return {.admission = Admission::kExpired};
  const bool timed = c.online && c.deadline != absl::InfiniteFuture();
  if (timed) {
    const absl::Time alone = c.now + Predicted(GuardMs(At(estimates, c.examples)));
    if (alone > c.deadline) return {.admission = Admission::kDropped, .predicted_finish = alone};
  }
  if (c.batch_examples == 0) return {.admission = Admission::kJoin};
  if (c.batch_examples + c.examples > MaxBatch(estimates) || !c.same_shape) {
    return {.admission = Admission::kLeadsNext};
  }
  if (c.online) {
    // The larger batch must still end before the earliest deadline in it.
    const absl::Time earliest = std::min(c.deadline, c.batch_earliest_deadline);
    if (earliest != absl::InfiniteFuture() &&
        c.now + Predicted(GuardMs(At(estimates, c.batch_examples + c.examples))) > earliest) {
      return {.admission = Admission::kLeadsNext};
    }
  }
  return {.admission = Admission::kJoin};
}

}  // namespace infaas::latency
