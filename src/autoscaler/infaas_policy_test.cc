#include "autoscaler/infaas_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "autoscaler/testing/scenario.h"

namespace infaas::autoscaler {
namespace {

using ::testing::HasSubstr;
using testing::OfKind;
using testing::Scenario;
using Kind = ScalingAction::Kind;

constexpr char kB1[] = "lenet5_onnx_cpu1_b1";  // 2 ms per input: 500 inputs/s per instance
constexpr char kB8[] = "lenet5_onnx_cpu1_b8";  // 4 ms per batch of 8: 2000 inputs/s
constexpr char kCpu2[] = "lenet5_onnx_cpu2_b1";

class InfaasPolicyTest : public ::testing::Test {
 protected:
  InfaasPolicyTest() : policy_(ScalingOptions{}) {
    s_.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
  }

  std::vector<ScalingAction> Run(int seconds) { return s_.Run(policy_, seconds); }

  Scenario s_;
  InfaasPolicy policy_;
};

TEST_F(InfaasPolicyTest, ReplicatesOnTheSameWorkerWhileItHasCores) {
  s_.AddWorker("w1", 4).Holds("w1", kB1, 1).SetDemand(kB1, 900, 20);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  // ceil(900 / (0.7 * 500)) = 3 instances.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kSetInstances);
  EXPECT_EQ(actions[0].variant, kB1);
  EXPECT_EQ(actions[0].worker_id, "w1");
  EXPECT_EQ(actions[0].instances, 3);
  EXPECT_THAT(actions[0].reason, HasSubstr("900 inputs/s need 3 instance(s)"));
}

TEST_F(InfaasPolicyTest, SpreadsToOtherWorkersAndAsksForAWorkerWhenNothingFits) {
  s_.AddWorker("w1", 1).AddWorker("w2", 1).Holds("w1", kB1, 1).SetDemand(kB1, 900, 20);
  s_.SetPool(/*max_workers=*/3);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  std::vector<ScalingAction> sets = OfKind(actions, Kind::kSetInstances);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].worker_id, "w2");
  EXPECT_EQ(sets[0].instances, 1);
  std::vector<ScalingAction> adds = OfKind(actions, Kind::kAddWorker);
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_THAT(adds[0].reason, HasSubstr("1 instance(s) fit on no worker"));
}

TEST_F(InfaasPolicyTest, RespectsTheWorkerLimitAndMemory) {
  s_.AddVariant({.name = "huge", .architecture = "huge", .memory_bytes = int64_t{16} << 30});
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).Holds("w1", "huge", 1);
  s_.SetDemand(kB1, 900, 20).SetDemand("huge", 5000, 20).SetPool(/*max_workers=*/1);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  // kB1 grows on w1; "huge" needs 16 GiB more, which no worker has, and the
  // pool is at its limit: no worker either.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].variant, kB1);
  EXPECT_EQ(actions[0].instances, 3);
}

TEST_F(InfaasPolicyTest, PutsNothingOnADrainingWorker) {
  s_.AddWorker("w1", 1).AddWorker("w2", 4).Holds("w1", kB1, 1).SetDraining("w2", true);
  s_.SetDemand(kB1, 900, 20);
  EXPECT_TRUE(OfKind(policy_.Decide(s_.Tick()), Kind::kSetInstances).empty());
}

TEST_F(InfaasPolicyTest, DoesNotFlapUnderSteadyOrJitteryLoad) {
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1);
  s_.SetDemand(kB1, 900, 20);
  EXPECT_EQ(Run(3).size(), 1u);  // the scale-up to 3
  EXPECT_EQ(s_.InstancesOf(kB1), 3);
  // +-15% around the same load for two minutes: no further action.
  for (int i = 0; i < 120; ++i) {
    s_.SetDemand(kB1, i % 2 == 0 ? 780 : 1030, 20);
    std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
    ASSERT_TRUE(actions.empty()) << "second " << i << ": " << Describe(actions[0]);
  }
}

TEST_F(InfaasPolicyTest, ScalesDownOneInstanceAtATimeAfterTheLoadStayedLow) {
  s_.AddWorker("w1", 8).Holds("w1", kB1, 3);
  s_.SetDemand(kB1, 100, 20);
  EXPECT_TRUE(Run(5).empty());  // low for less than 5 s since the first low reading
  std::vector<ScalingAction> actions = Run(1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 2);
  EXPECT_TRUE(Run(4).empty());  // the next step waits again
  ASSERT_EQ(Run(1).size(), 1u);
  EXPECT_EQ(s_.InstancesOf(kB1), 1);
  EXPECT_TRUE(Run(30).empty());  // never below one while queries arrive
}

TEST_F(InfaasPolicyTest, ALoadThatRecoversCancelsTheScaleDown) {
  s_.AddWorker("w1", 8).Holds("w1", kB1, 3);
  s_.SetDemand(kB1, 100, 20);
  EXPECT_TRUE(Run(5).empty());
  s_.SetDemand(kB1, 900, 20);
  EXPECT_TRUE(Run(1).empty());
  s_.SetDemand(kB1, 100, 20);
  EXPECT_TRUE(Run(5).empty());  // the low period starts over
  EXPECT_EQ(Run(1).size(), 1u);
}

TEST_F(InfaasPolicyTest, UnloadsAnIdleVariantAfterATimeItsLoadLatencyJustifies) {
  s_.AddVariant({.name = "slow_to_load", .architecture = "big", .load_ms = 2000});
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).Holds("w1", "slow_to_load", 1);
  // kB1 (100 ms to load) unloads after the 20 s minimum; slow_to_load after
  // 20 x 2 s = 40 s, counted from the first snapshot the master took.
  std::vector<ScalingAction> actions = Run(20);
  EXPECT_TRUE(actions.empty());
  actions = Run(1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].variant, kB1);
  EXPECT_EQ(actions[0].instances, 0);
  EXPECT_TRUE(Run(19).empty());
  actions = Run(1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].variant, "slow_to_load");
}

TEST_F(InfaasPolicyTest, AVariantLoadedAMomentAgoIsIdleOnlySinceItsLoad) {
  s_.AddWorker("w1", 8);
  EXPECT_TRUE(Run(60).empty());  // a minute of history without it
  s_.RequestLoad(kB1, "w1");
  std::vector<ScalingAction> actions = Run(1);  // loaded, as the selector asked
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 1);
  EXPECT_TRUE(Run(19).empty()) << "unloaded before it could serve";
  actions = Run(2);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 0);  // 20 s idle after its load
}

TEST_F(InfaasPolicyTest, DeclinesARequestedInstanceThatItsSizingWouldTakeAwayAgain) {
  s_.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s_.AddWorker("w1", 8).AddWorker("w2", 8).Holds("w1", kB1, 2).SetDemand(kB1, 100, 20);
  // 100 inputs/s fit in one instance of kB1: a third on w2 is declined; kB8
  // serves nowhere yet, so a request for it is taken.
  s_.RequestLoad(kB1, "w2").RequestLoad(kB8, "w2");
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  std::vector<ScalingAction> sets = OfKind(actions, Kind::kSetInstances);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].variant, kB8);
  EXPECT_EQ(sets[0].worker_id, "w2");
  EXPECT_THAT(sets[0].reason, HasSubstr("requested by the selector"));
  // Once the demand needs more than it has, the same request is taken.
  s_.SetDemand(kB1, 900, 20);
  s_.RequestLoad(kB1, "w2");
  actions = policy_.Decide(s_.Tick());
  bool took = false;
  for (const ScalingAction& a : OfKind(actions, Kind::kSetInstances)) {
    took |= a.variant == kB1 && a.worker_id == "w2" &&
            absl::StrContains(a.reason, "requested by the selector");
  }
  EXPECT_TRUE(took);
}

TEST_F(InfaasPolicyTest, ArrivalsOnAWorkerKeepAVariantLoaded) {
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1, /*arrival_qps=*/2);
  EXPECT_TRUE(Run(60).empty());
}

TEST_F(InfaasPolicyTest, UpgradesToALargerBatchWhenThatNeedsFewerCores) {
  s_.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).SetDemand(kB1, 900, 20);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  // kB1 needs 3 cores; kB8 at batch 8 (2 x 4 ms fits 20 ms) needs 1.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kReplace);
  EXPECT_EQ(actions[0].variant, kB8);
  EXPECT_EQ(actions[0].replaces, kB1);
  EXPECT_EQ(actions[0].instances, 1);
  EXPECT_THAT(actions[0].reason, HasSubstr("upgrade"));
}

TEST_F(InfaasPolicyTest, ATightSloLimitsTheBatchAnUpgradeCounts) {
  s_.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).SetDemand(kB1, 900, /*slo_ms=*/4.5);
  // Within 4.5 ms kB8 may only batch 1 input (2 x 2 ms): no better than kB1.
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kSetInstances);
  EXPECT_EQ(actions[0].variant, kB1);
}

TEST_F(InfaasPolicyTest, NeverReplacesAVariantByOneThatCannotTakeTheLargestQuery) {
  // Serving 8-input queries on a b8 variant: the b1 sibling is cheaper per
  // input but cannot take them.
  s_.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 16.0}}});
  s_.AddWorker("w1", 8).Holds("w1", kB8, 1).SetDemand(kB8, 900, 40, false, /*largest_batch=*/8);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kSetInstances);
  EXPECT_EQ(actions[0].variant, kB8);
}

TEST_F(InfaasPolicyTest, NeverReplacesAVariantThatQueriesNamed) {
  s_.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).SetDemand(kB1, 900, 20, /*pinned=*/true);
  std::vector<ScalingAction> actions = policy_.Decide(s_.Tick());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kSetInstances);
  EXPECT_EQ(actions[0].instances, 3);
}

TEST_F(InfaasPolicyTest, DowngradesToFewerThreadsOnlyAfterTheLoadStayedLow) {
  s_.AddVariant({.name = kCpu2, .threads = 2, .latency = {{1, 1.0}}});
  s_.AddWorker("w1", 8).Holds("w1", kCpu2, 1).SetDemand(kCpu2, 50, 20);
  EXPECT_TRUE(Run(5).empty());
  std::vector<ScalingAction> actions = Run(1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kReplace);
  EXPECT_EQ(actions[0].variant, kB1);
  EXPECT_EQ(actions[0].replaces, kCpu2);
  EXPECT_THAT(actions[0].reason, HasSubstr("downgrade"));
}

TEST_F(InfaasPolicyTest, WaitsForALoadInFlightBeforePlanningMore) {
  s_.AddWorker("w1", 8).Holds("w1", kB1, 1).SetDemand(kB1, 900, 20);
  const ScalingInput& input = s_.Tick();
  auto loading = std::make_shared<controller::ClusterSnapshot>(*input.cluster);
  loading->workers.Mutable(0).variants[0].loading = true;
  ScalingInput with_load = input;
  with_load.cluster = loading.get();
  EXPECT_TRUE(policy_.Decide(with_load).empty());
}

}  // namespace
}  // namespace infaas::autoscaler
