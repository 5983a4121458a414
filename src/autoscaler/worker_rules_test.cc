#include "autoscaler/worker_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autoscaler/testing/scenario.h"

namespace infaas::autoscaler {
namespace {

using ::testing::HasSubstr;
using testing::Scenario;
using Kind = ScalingAction::Kind;

constexpr char kB1[] = "lenet5_onnx_cpu1_b1";

class DemandWorkerRuleTest : public ::testing::Test {
 protected:
  DemandWorkerRuleTest() : rule_(ScalingOptions{}) {
    s_.AddVariant({.name = kB1});
    s_.AddWorker("w1", 1).Holds("w1", kB1, 1).SetPool(/*max_workers=*/3);
  }

  Scenario s_;
  DemandWorkerRule rule_;
};

TEST_F(DemandWorkerRuleTest, AddsAWorkerForInstancesThatFitNowhereThenCoolsDown) {
  std::vector<ScalingAction> actions = rule_.Decide(s_.Tick(), /*unplaced_instances=*/2);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kAddWorker);
  EXPECT_THAT(actions[0].reason, HasSubstr("2 instance(s) fit on no worker"));
  // Joined at once, but the cool-down (5 s) holds the next one back.
  s_.AddWorker("w2", 1, /*removable=*/true);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick(), 1).empty()) << i;
  EXPECT_EQ(rule_.Decide(s_.Tick(), 1).size(), 1u);
}

TEST_F(DemandWorkerRuleTest, AddsForRefusedQueriesButNotWhileOneIsStartingNorPastTheLimit) {
  s_.SetUnmet(5);
  s_.SetPool(3, /*starting=*/1);
  EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty());
  s_.SetPool(1, 0);
  EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty());
  s_.SetPool(3, 0);
  std::vector<ScalingAction> actions = rule_.Decide(s_.Tick(), 0);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_THAT(actions[0].reason, HasSubstr("5.0 queries/s refused"));
  s_.SetUnmet(0.5);  // below the threshold
  EXPECT_TRUE(rule_.Decide(s_.Tick(absl::Seconds(10)), 0).empty());
}

TEST_F(DemandWorkerRuleTest, RefusalsAddNoWorkerWhileAnotherLiveOneHoldsNothing) {
  s_.AddWorker("w2", 1, /*removable=*/true).SetUnmet(20);
  EXPECT_TRUE(rule_.Decide(s_.Tick(), /*unplaced_instances=*/0).empty());
  s_.Holds("w2", kB1, 1);  // now it serves, and queries are still refused
  EXPECT_EQ(rule_.Decide(s_.Tick(), 0).size(), 1u);
}

TEST_F(DemandWorkerRuleTest, RemovesOnlyARemovableWorkerThatStayedEmpty) {
  s_.AddWorker("w2", 1, /*removable=*/true).AddWorker("w3", 1);  // w3 was started by hand
  s_.AddWorker("w4", 1, /*removable=*/true).Holds("w4", kB1, 1);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty()) << i;
  std::vector<ScalingAction> actions = rule_.Decide(s_.Tick(), 0);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRemoveWorker);
  EXPECT_EQ(actions[0].worker_id, "w2");
}

TEST_F(DemandWorkerRuleTest, RemovesNothingWhileMoreIsWantedOrAnotherDrains) {
  s_.AddWorker("w2", 1, /*removable=*/true).AddWorker("w3", 1, /*removable=*/true);
  for (int i = 0; i < 20; ++i) rule_.Decide(s_.Tick(), /*unplaced_instances=*/1);
  // Wanting more reset the empty clocks.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty()) << i;
  s_.SetDraining("w3", true);
  EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty());
  s_.RemoveWorker("w3");
  ASSERT_EQ(rule_.Decide(s_.Tick(), 0).size(), 1u);
}

// The rule erased the map entry it was iterating and then read its key and
// time for the action (a heap-use-after-free that ASan reported); the action
// must carry the worker's id and how long it held nothing.
TEST_F(DemandWorkerRuleTest, RemovesEmptyWorkersOneAtATimeNamingEachAndItsIdleTime) {
  s_.AddWorker("w2", 1, /*removable=*/true).AddWorker("w3", 1, /*removable=*/true);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty()) << i;
  std::vector<ScalingAction> first = rule_.Decide(s_.Tick(), 0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].worker_id, "w2");
  EXPECT_THAT(first[0].reason, HasSubstr("held nothing for 10s"));
  s_.SetDraining("w2", true);
  EXPECT_TRUE(rule_.Decide(s_.Tick(), 0).empty());
  s_.RemoveWorker("w2");
  std::vector<ScalingAction> second = rule_.Decide(s_.Tick(), 0);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].worker_id, "w3");
  EXPECT_THAT(second[0].reason, HasSubstr("held nothing for 12s"));
}

class UtilisationWorkerRuleTest : public ::testing::Test {
 protected:
  UtilisationWorkerRuleTest() : rule_(ScalingOptions{}) {
    s_.AddWorker("w1", 1).AddWorker("w2", 1).SetPool(/*max_workers=*/4);
  }

  Scenario s_;
  UtilisationWorkerRule rule_;
};

TEST_F(UtilisationWorkerRuleTest, AddsOnlyWhenEveryWorkerIsAbove80PercentThenBacksOff30s) {
  s_.SetCpu("w1", 0.95).SetCpu("w2", 0.5);
  EXPECT_TRUE(rule_.Decide(s_.Tick()).empty());
  s_.SetCpu("w2", 0.85);
  std::vector<ScalingAction> actions = rule_.Decide(s_.Tick());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_THAT(actions[0].reason, HasSubstr("every worker above 80% CPU"));
  for (int i = 0; i < 29; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick()).empty()) << i;
  EXPECT_EQ(rule_.Decide(s_.Tick()).size(), 1u);
}

TEST_F(UtilisationWorkerRuleTest, RemovesTheLeastBusyRemovableWorkerAfter15LowChecks) {
  s_.AddWorker("w3", 1, /*removable=*/true).AddWorker("w4", 1, /*removable=*/true);
  s_.SetCpu("w1", 0.2).SetCpu("w3", 0.1).SetCpu("w4", 0.05);
  for (int i = 0; i < 14; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick()).empty()) << i;
  std::vector<ScalingAction> actions = rule_.Decide(s_.Tick());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRemoveWorker);
  EXPECT_EQ(actions[0].worker_id, "w4");
}

TEST_F(UtilisationWorkerRuleTest, NeverRemovesAWorkerItDidNotStart) {
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(rule_.Decide(s_.Tick()).empty()) << i;
}

}  // namespace
}  // namespace infaas::autoscaler
