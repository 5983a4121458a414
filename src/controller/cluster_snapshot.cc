#include "controller/cluster_snapshot.h"

#include <algorithm>

namespace infaas::controller {

double WorkerSnapshot::IdleCores() const {
  return std::max(cores, 1) * (1.0 - std::clamp(cpu_utilization, 0.0, 1.0));
}

void IndexSnapshot(ClusterSnapshot* cluster) {
  cluster->holders.clear();
  cluster->load_order.clear();
  for (uint32_t i = 0; i < cluster->workers.size(); ++i) {
    const WorkerSnapshot& w = cluster->workers[i];
    for (uint32_t slot = 0; slot < w.variants.size(); ++slot) {
      std::vector<ClusterSnapshot::Holder>& holders = cluster->holders[w.variants[slot].variant];
      // A worker listing a variant twice is counted once, as Find sees it.
      if (holders.empty() || holders.back().worker != i) holders.push_back({i, slot});
    }
    if (!w.draining) cluster->load_order.push_back(i);
  }
  const std::vector<WorkerSnapshot>& workers = cluster->workers;
  std::sort(cluster->load_order.begin(), cluster->load_order.end(),
            [&workers](uint32_t a, uint32_t b) {
              const WorkerSnapshot& x = workers[a];
              const WorkerSnapshot& y = workers[b];
              if (x.free_memory_bytes != y.free_memory_bytes) {
                return x.free_memory_bytes > y.free_memory_bytes;
              }
              if (x.IdleCores() != y.IdleCores()) return x.IdleCores() > y.IdleCores();
              return x.id < y.id;
            });
  cluster->indexed = true;
}

}  // namespace infaas::controller
