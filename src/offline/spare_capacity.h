#pragma once

// Spare capacity: which workers may take offline (batch job) work now, and
// how many more chunks each may take. A pure policy over the cluster
// snapshot: no threads, no clock reads, no I/O.
//
//   std::map<std::string, int> in_flight = {{"worker-1", 1}};
//   for (const WorkerSlots& w : SpareCapacity(*snapshot, in_flight, options)) {
//     for (int i = 0; i < w.slots; ++i) SendChunk(w.worker_id, w.address);
//   }
//
// A worker has room for offline work unless its online work is heavy:
//  - more than `max_online_queue_per_instance` online queries wait per
//    loaded instance (over all its variants), or
//  - its CPU is busier than `max_cpu_utilization` while none of the job
//    runner's chunks runs there (the CPU figure includes offline work, so
//    it only tells online load apart when no offline work is running).
// A worker with room gets up to `chunks_per_worker` chunks in flight: one
// running, the next queued behind it so the worker never waits for the
// master. Offline work yields to online work on the worker itself (see
// worker/variant_instance.h); this policy keeps chunks away from workers
// whose online load leaves nothing over. Workers come least loaded first
// (online queue per instance, then CPU, then id). Thread-safe.

#include <map>
#include <string>
#include <vector>

#include "controller/cluster_snapshot.h"

namespace infaas::offline {

struct SpareCapacityOptions {
  // Offline chunks in flight on one worker with room.
  int chunks_per_worker = 2;
  // Online queries waiting or running per loaded instance above which a
  // worker takes no new chunk.
  double max_online_queue_per_instance = 2;
  // 0..1; see the banner.
  double max_cpu_utilization = 0.95;
};

struct WorkerSlots {
  std::string worker_id;
  std::string address;
  int slots = 0;  // more chunks it may take now, >= 1
};

// The workers with room (slots >= 1), least loaded first. `in_flight`:
// chunks the caller has running per worker id (missing means 0).
std::vector<WorkerSlots> SpareCapacity(const controller::ClusterSnapshot& cluster,
                                       const std::map<std::string, int>& in_flight,
                                       const SpareCapacityOptions& options = {});

// Online queries waiting or running per loaded instance on `worker`.
double OnlineQueuePerInstance(const controller::WorkerSnapshot& worker);

}  // namespace infaas::offline
