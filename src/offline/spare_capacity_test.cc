#include "offline/spare_capacity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::offline {
namespace {

using controller::ClusterSnapshot;
using controller::LoadedVariant;
using controller::WorkerSnapshot;

WorkerSnapshot Worker(std::string id, double cpu, std::vector<LoadedVariant> variants = {}) {
  WorkerSnapshot w;
  w.id = id;
  w.address = id + ":1";
  w.cores = 2;
  w.cpu_utilization = cpu;
  w.variants = std::move(variants);
  return w;
}

LoadedVariant Serving(std::string variant, int instances, int queue, int offline_queue = 0) {
  LoadedVariant v;
  v.variant = std::move(variant);
  v.instances = instances;
  v.queue_length = queue;
  v.offline_queue_length = offline_queue;
  return v;
}

std::vector<std::string> Ids(const std::vector<WorkerSlots>& slots) {
  std::vector<std::string> ids;
  for (const WorkerSlots& s : slots) ids.push_back(s.worker_id);
  return ids;
}

TEST(SpareCapacityTest, IdleWorkersGetChunksPerWorkerLeastLoadedFirst) {
  ClusterSnapshot cluster;
  cluster.workers = {Worker("busy-ish", 0.5, {Serving("a", 1, 1)}), Worker("idle", 0.1)};
  std::vector<WorkerSlots> slots = SpareCapacity(cluster, {}, {.chunks_per_worker = 2});
  EXPECT_THAT(Ids(slots), ::testing::ElementsAre("idle", "busy-ish"));
  EXPECT_EQ(slots[0].slots, 2);
  EXPECT_EQ(slots[0].address, "idle:1");
}

TEST(SpareCapacityTest, ChunksInFlightUseUpAWorkersSlots) {
  ClusterSnapshot cluster;
  cluster.workers = {Worker("w1", 0.1), Worker("w2", 0.1)};
  std::vector<WorkerSlots> slots =
      SpareCapacity(cluster, {{"w1", 2}, {"w2", 1}}, {.chunks_per_worker = 2});
  EXPECT_THAT(Ids(slots), ::testing::ElementsAre("w2"));
  EXPECT_EQ(slots[0].slots, 1);
}

TEST(SpareCapacityTest, AWorkerWithALongOnlineQueueTakesNoOfflineWork) {
  ClusterSnapshot cluster;
  // 6 online queries over 2 instances: 3 per instance, above the limit 2.
  cluster.workers = {Worker("swamped", 0.3, {Serving("a", 2, 6)}),
                     Worker("ok", 0.3, {Serving("a", 2, 4, /*offline_queue=*/50)})};
  EXPECT_THAT(Ids(SpareCapacity(cluster, {}, {.max_online_queue_per_instance = 2})),
              ::testing::ElementsAre("ok"));
}

TEST(SpareCapacityTest, CpuOrdersWorkersButABusyCpuStillTakesChunks) {
  ClusterSnapshot cluster;
  // The CPU figure includes offline work and other processes: no gate.
  cluster.workers = {Worker("hot", 0.99), Worker("cool", 0.2)};
  std::vector<WorkerSlots> slots = SpareCapacity(cluster, {}, {.chunks_per_worker = 1});
  EXPECT_THAT(Ids(slots), ::testing::ElementsAre("cool", "hot"));
}

TEST(SpareCapacityTest, OnlineQueuePerInstanceIgnoresLoadingVariants) {
  WorkerSnapshot w = Worker("w", 0, {Serving("a", 2, 3), Serving("b", 1, 0)});
  LoadedVariant loading = Serving("c", 1, 9);
  loading.loading = true;
  w.variants.push_back(loading);
  EXPECT_DOUBLE_EQ(OnlineQueuePerInstance(w), 1.0);
  EXPECT_DOUBLE_EQ(OnlineQueuePerInstance(Worker("empty", 0)), 0.0);
}

}  // namespace
}  // namespace infaas::offline
