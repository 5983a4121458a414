#include "autoscaler/baseline_policies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autoscaler/testing/scenario.h"

namespace infaas::autoscaler {
namespace {

using ::testing::HasSubstr;
using testing::OfKind;
using testing::Scenario;
using Kind = ScalingAction::Kind;

constexpr char kB1[] = "lenet5_onnx_cpu1_b1";  // 500 inputs/s per instance at batch 1
constexpr char kB8[] = "lenet5_onnx_cpu1_b8";

TEST(Infaas2021PolicyTest, ReplicatesOnlyOnTheWorkerThatSawTheLoad) {
  Scenario s;
  s.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
  s.AddWorker("w1", 2).AddWorker("w2", 4).Holds("w1", kB1, 1, /*arrival_qps=*/1400);
  Infaas2021Policy policy({});
  std::vector<ScalingAction> actions = policy.Decide(s.Tick());
  // ceil((1400 - 0.95 * 500) / 500) = 2 more wanted; w1 has one free core.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].worker_id, "w1");
  EXPECT_EQ(actions[0].instances, 2);
}

TEST(Infaas2021PolicyTest, UpgradesWhenReplicatingCostsOneAndAHalfTimesMore) {
  Scenario s;
  s.AddVariant({.name = kB1, .latency = {{1, 2.0}}, .load_ms = 100});
  s.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}, .load_ms = 100});
  s.AddWorker("w1", 8).Holds("w1", kB1, 1, /*arrival_qps=*/1400);
  Infaas2021Policy policy({});
  std::vector<ScalingAction> actions = policy.Decide(s.Tick());
  // Replicating: 2 x 100 ms of loads; upgrading: 100 ms.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kReplace);
  EXPECT_EQ(actions[0].variant, kB8);
}

TEST(Infaas2021PolicyTest, ScalesDownAfterTenLowReadingsAndUnloadsAtZero) {
  Scenario s;
  s.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
  s.AddWorker("w1", 8).Holds("w1", kB1, 2, /*arrival_qps=*/100);
  Infaas2021Policy policy({});
  EXPECT_TRUE(s.Run(policy, 9).empty());
  std::vector<ScalingAction> actions = s.Run(policy, 1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 1);
  // 100 qps > (1 - 1) x 500: the last instance stays while queries arrive...
  EXPECT_TRUE(s.Run(policy, 30).empty());
  // ...and goes ten readings after they stop.
  s.Holds("w1", kB1, 1, /*arrival_qps=*/0);
  EXPECT_TRUE(s.Run(policy, 9).empty());
  actions = s.Run(policy, 1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 0);
}

TEST(IndividualPolicyTest, ScalesEachVariantAnywhereWithoutUpgrades) {
  Scenario s;
  s.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
  s.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s.AddWorker("w1", 1).AddWorker("w2", 2).Holds("w1", kB1, 1, /*arrival_qps=*/1400);
  IndividualPolicy policy({});
  std::vector<ScalingAction> actions = policy.Decide(s.Tick());
  EXPECT_TRUE(OfKind(actions, Kind::kReplace).empty());
  // ceil(1400 / (0.95 * 500)) = 3: two more, both on w2.
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].worker_id, "w2");
  EXPECT_EQ(actions[0].instances, 2);
}

TEST(IndividualPolicyTest, UnloadsAfterTheFixedIdleTimeWhateverTheLoadLatency) {
  Scenario s;
  s.AddVariant({.name = kB1, .load_ms = 5000});
  s.AddWorker("w1", 8).Holds("w1", kB1, 1);
  IndividualPolicy policy({});
  EXPECT_TRUE(s.Run(policy, 20).empty());
  std::vector<ScalingAction> actions = s.Run(policy, 1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].instances, 0);
  EXPECT_EQ(actions[0].reason, "idle");
}

TEST(StaticPolicyTest, NeverActs) {
  Scenario s;
  s.AddVariant({.name = kB1});
  s.AddWorker("w1", 1).Holds("w1", kB1, 1, 5000).SetUnmet(100).SetPool(4);
  StaticPolicy policy;
  EXPECT_TRUE(s.Run(policy, 60).empty());
}

TEST(MakeScalingPolicyTest, KnowsFourPoliciesAndNamesThemWhenAskedForAnother) {
  for (const std::string& name : ScalingPolicyNames()) {
    absl::StatusOr<PolicyKind> kind = ParsePolicyKind(name);
    ASSERT_TRUE(kind.ok()) << kind.status();
    EXPECT_EQ(PolicyKindName(*kind), name);
    EXPECT_EQ(MakeScalingPolicy(*kind, {})->name(), name);
  }
  absl::StatusOr<PolicyKind> bad = ParsePolicyKind("sagemaker");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("unknown autoscaling policy \"sagemaker\"; choose one of infaas, "
                        "infaas2021, individual, static"));
}

// --- Requested loads: every policy weighs what the selector asks for -----------

TEST(RequestedLoadsTest, EveryPolicyLoadsWhatTheSelectorRequestedWhereThereIsRoom) {
  for (const std::string& name : ScalingPolicyNames()) {
    SCOPED_TRACE(name);
    Scenario s;
    s.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
    s.AddWorker("w1", 2);
    std::unique_ptr<ScalingPolicy> policy = MakeScalingPolicy(*ParsePolicyKind(name), {});
    s.RequestLoad(kB1, "w1").RequestLoad(kB1, "w1");  // asked twice, loaded once
    std::vector<ScalingAction> actions = policy->Decide(s.Tick());
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].kind, Kind::kSetInstances);
    EXPECT_EQ(actions[0].variant, kB1);
    EXPECT_EQ(actions[0].worker_id, "w1");
    EXPECT_EQ(actions[0].instances, 1);
    EXPECT_THAT(actions[0].reason, HasSubstr("requested by the selector"));
    // A request is an input of one round, not a standing order.
    EXPECT_TRUE(policy->Decide(s.Tick()).empty());
  }
}

TEST(RequestedLoadsTest, ARequestForAWorkerThatHoldsItIsDrainingOrIsGoneIsDropped) {
  Scenario s;
  s.AddVariant({.name = kB1, .latency = {{1, 2.0}}});
  s.AddVariant({.name = kB8, .max_batch = 8, .latency = {{1, 2.0}, {8, 4.0}}});
  s.AddWorker("w1", 2).Holds("w1", kB1, 1).AddWorker("w2", 2).SetDraining("w2", true);
  s.RequestLoad(kB1, "w1").RequestLoad(kB8, "w2").RequestLoad(kB8, "gone");
  s.RequestLoad("unregistered_variant", "w1");
  StaticPolicy policy;
  EXPECT_TRUE(policy.Decide(s.Tick()).empty());
}

}  // namespace
}  // namespace infaas::autoscaler
