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
// A worker has room for offline work unless its online work is heavy: more
// than `max_online_queue_per_instance` online queries wait per loaded
// instance (over all its variants). A worker with room gets up to
// `chunks_per_worker` chunks in flight: one running, the next queued behind
// it so the worker never waits for the master. Workers come least loaded
// first (online queue per instance, then CPU, then id).
//
// CPU utilisation orders workers but does not gate them: it is machine-wide
// and includes the offline work itself (and any other process), so it
// cannot tell online load apart. What keeps offline work from taking CPU
// that online queries need is the worker itself: offline batches run at
// the OS's idle priority and yield to online ones (worker/variant_instance.h).
// Thread-safe.

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
