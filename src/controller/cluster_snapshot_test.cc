#include "controller/cluster_snapshot.h"

#include <gtest/gtest.h>

namespace infaas::controller {
namespace {

WorkerSnapshot Worker(const std::string& id, int64_t free_memory) {
  WorkerSnapshot w;
  w.id = id;
  w.free_memory_bytes = free_memory;
  return w;
}

TEST(WorkerListTest, ReadsLikeAVectorOfWorkers) {
  const WorkerList workers = {Worker("w1", 1), Worker("w2", 2)};
  ASSERT_EQ(workers.size(), 2u);
  EXPECT_EQ(workers[1].id, "w2");
  EXPECT_EQ(workers.front().id, "w1");
  EXPECT_EQ(workers.back().id, "w2");
  std::vector<std::string> ids;
  for (const WorkerSnapshot& w : workers) ids.push_back(w.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(workers.end() - workers.begin(), 2);
}

TEST(WorkerListTest, AChangedCopyLeavesTheListItWasCopiedFromAlone) {
  WorkerList original = {Worker("w1", 1), Worker("w2", 2)};
  WorkerList copy = original;
  EXPECT_EQ(copy.shared(0), original.shared(0));
  copy.Mutable(0).draining = true;
  EXPECT_TRUE(copy[0].draining);
  EXPECT_FALSE(original[0].draining);
  EXPECT_EQ(copy.shared(1), original.shared(1));  // the other entry still shared
  // An entry only this list holds changes in place.
  WorkerSnapshot& again = copy.Mutable(0);
  again.cores = 8;
  EXPECT_EQ(&again, &copy[0]);
  EXPECT_EQ(copy[0].cores, 8);
}

TEST(MeasuredLoadTimesTest, ACopyIsSharedUntilOneSideChanges) {
  MeasuredLoadTimes a;
  EXPECT_EQ(a.Of("x"), 0);
  a.Set("x", 120);
  MeasuredLoadTimes b = a;
  b.Set("x", 80);
  EXPECT_EQ(a.Of("x"), 120);
  EXPECT_EQ(b.Of("x"), 80);
}

TEST(IndexSnapshotTest, OrdersLoadsByFreeMemoryAndSkipsDrainingWorkers) {
  ClusterSnapshot cluster;
  cluster.workers = {Worker("w1", 1), Worker("w2", 3), Worker("w3", 2)};
  cluster.workers.Mutable(1).draining = true;
  cluster.workers.Mutable(0).variants.push_back(LoadedVariant{.variant = "a"});
  IndexSnapshot(&cluster);
  EXPECT_EQ(cluster.load_order, (std::vector<uint32_t>{2, 0}));
  ASSERT_NE(cluster.HoldersOf("a"), nullptr);
  EXPECT_EQ(cluster.HoldersOf("a")->front().worker, 0u);
  EXPECT_EQ(cluster.HoldersOf("b"), nullptr);
}

}  // namespace
}  // namespace infaas::controller
