#include "offline/spare_capacity.h"

#include <algorithm>
#include <tuple>

namespace infaas::offline {

double OnlineQueuePerInstance(const controller::WorkerSnapshot& worker) {
  int queued = 0;
  int instances = 0;
  for (const controller::LoadedVariant& v : worker.variants) {
    if (v.loading) continue;
    queued += v.queue_length;
    instances += std::max(1, v.instances);
  }
  return instances == 0 ? 0.0 : static_cast<double>(queued) / instances;
}

std::vector<WorkerSlots> SpareCapacity(const controller::ClusterSnapshot& cluster,
                                       const std::map<std::string, int>& in_flight,
                                       const SpareCapacityOptions& options) {
  struct Ranked {
    const controller::WorkerSnapshot* worker;
    double queue;
    int slots;
  };
  std::vector<Ranked> ranked;
  for (const controller::WorkerSnapshot& w : cluster.workers) {
    auto it = in_flight.find(w.id);
    const int running = it == in_flight.end() ? 0 : it->second;
    const double queue = OnlineQueuePerInstance(w);
    if (queue > options.max_online_queue_per_instance) continue;
    const int slots = options.chunks_per_worker - running;
    if (slots <= 0) continue;
    ranked.push_back({&w, queue, slots});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return std::tie(a.queue, a.worker->cpu_utilization, a.worker->id) <
           std::tie(b.queue, b.worker->cpu_utilization, b.worker->id);
  });
  std::vector<WorkerSlots> out;
  for (const Ranked& r : ranked) out.push_back({r.worker->id, r.worker->address, r.slots});
  return out;
}

}  // namespace infaas::offline
