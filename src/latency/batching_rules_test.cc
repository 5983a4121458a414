#include "latency/batching_rules.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace infaas::latency {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1000);

// Max batch 4: 1 ms per example at the median, the p90 half again.
std::vector<ExecutionEstimate> Linear() {
  std::vector<ExecutionEstimate> e(5);
  for (int b = 1; b <= 4; ++b) e[b] = {.median_ms = 1.0 * b, .p99_ms = 2.0 * b, .p90_ms = 1.5 * b};
  return e;
}

TEST(BatchingRulesTest, TheGuardIsTheTailAndUnknownEstimatesPredictNothing) {
  EXPECT_DOUBLE_EQ(GuardMs({.median_ms = 2, .p99_ms = 9, .p90_ms = 3}), 3);
  EXPECT_DOUBLE_EQ(GuardMs({.median_ms = 2, .p99_ms = 9, .p90_ms = 0}), 2);
  EXPECT_EQ(Predicted(std::numeric_limits<double>::infinity()), absl::ZeroDuration());
  EXPECT_EQ(Predicted(2.5), absl::Microseconds(2500));
}

TEST(BatchingRulesTest, AQueryFinishesAfterTheWorkAheadAtTheMedianAndItsOwnRunAtTheTail) {
  const std::vector<ExecutionEstimate> e = Linear();
  // Idle, nothing ahead: its own run at the p90.
  EXPECT_EQ(PredictedFinish(kNow, absl::InfinitePast(), 0, 2, e), kNow + absl::Milliseconds(3));
  // 9 ahead: two full batches (4 ms each) and one of 1 (1 ms), then 1.5 ms.
  EXPECT_EQ(PredictedFinish(kNow, absl::InfinitePast(), 9, 1, e), kNow + absl::Milliseconds(10.5));
  // Busy for 5 ms more: from then.
  EXPECT_EQ(PredictedFinish(kNow, kNow + absl::Milliseconds(5), 0, 1, e),
            kNow + absl::Milliseconds(6.5));
  // More examples than the max batch are predicted at the max batch.
  EXPECT_EQ(PredictedFinish(kNow, absl::InfinitePast(), 0, 9, e), kNow + absl::Milliseconds(6));
}

TEST(BatchingRulesTest, ExpiredAndHopelessQueriesAreAnsweredNotRun) {
  const std::vector<ExecutionEstimate> e = Linear();
  EXPECT_EQ(Admit({.now = kNow, .deadline = kNow - absl::Milliseconds(1)}, e).admission,
            Admission::kExpired);
  // Alone it needs 1.5 ms (p90 of batch 1); 1 ms is left.
  const AdmissionDecision dropped =
      Admit({.now = kNow, .deadline = kNow + absl::Milliseconds(1)}, e);
  EXPECT_EQ(dropped.admission, Admission::kDropped);
  EXPECT_EQ(dropped.predicted_finish, kNow + absl::Milliseconds(1.5));
  // Offline queries are not dropped for time, only once expired.
  EXPECT_EQ(
      Admit({.now = kNow, .deadline = kNow + absl::Milliseconds(1), .online = false}, e).admission,
      Admission::kJoin);
}

TEST(BatchingRulesTest, AQueryJoinsOnlyWhileTheLargerBatchEndsBeforeTheEarliestDeadline) {
  const std::vector<ExecutionEstimate> e = Linear();
  Candidate c{.now = kNow,
              .deadline = kNow + absl::Milliseconds(100),
              .examples = 1,
              .batch_examples = 2,
              .batch_earliest_deadline = kNow + absl::Milliseconds(4)};
  // A batch of 3 needs 4.5 ms at the p90: past the earliest deadline.
  EXPECT_EQ(Admit(c, e).admission, Admission::kLeadsNext);
  c.batch_earliest_deadline = kNow + absl::Milliseconds(5);
  EXPECT_EQ(Admit(c, e).admission, Admission::kJoin);
  // Past the max batch, or of another shape: the next batch.
  c.examples = 3;
  c.deadline = kNow + absl::Hours(1);
  c.batch_earliest_deadline = absl::InfiniteFuture();
  EXPECT_EQ(Admit(c, e).admission, Admission::kLeadsNext);
  c.examples = 1;
  c.same_shape = false;
  EXPECT_EQ(Admit(c, e).admission, Admission::kLeadsNext);
  // The first query of a batch always leads it.
  c.batch_examples = 0;
  EXPECT_EQ(Admit(c, e).admission, Admission::kJoin);
}

TEST(BatchingRulesTest, NothingIsRefusedWhileNothingPredictsTheVariant) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<ExecutionEstimate> unknown(3, {.median_ms = inf, .p99_ms = inf, .p90_ms = inf});
  EXPECT_EQ(PredictedFinish(kNow, absl::InfinitePast(), 50, 1, unknown), kNow);
  EXPECT_EQ(
      Admit({.now = kNow, .deadline = kNow, .batch_examples = 1, .batch_earliest_deadline = kNow},
            unknown)
          .admission,
      Admission::kJoin);
}

}  // namespace
}  // namespace infaas::latency
