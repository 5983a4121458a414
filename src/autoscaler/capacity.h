#pragma once

// What a variant instance can serve, and where instances fit: the arithmetic
// every scaling policy shares. Pure functions and a small value type.
//
//   int b = UsableBatch(record, /*slo_ms=*/20);       // largest batch within the SLO
//   double t = ThroughputPerInstance(record, b);      // inputs per second
//   CoreLedger ledger(cluster, catalogue);            // free cores per worker
//   std::vector<ScalingAction> adds = ledger.Place(record, 2, footprint, "replicate", &missing);

#include <map>
#include <string>
#include <vector>

#include "autoscaler/scaling.h"
#include "controller/cluster_snapshot.h"
#include "controller/selector.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::autoscaler {

int ThreadsOf(const v1::VariantRecord& record);
int MaxBatchOf(const v1::VariantRecord& record);

// Inputs per second one instance serves running batches of `batch`:
// 1000 * batch / latency(batch) from the profile; 0 without a profile.
double ThroughputPerInstance(const v1::VariantRecord& record, int batch);

// The largest batch (1..max batch) with which a query still meets `slo_ms`
// when it waits for one batch and then runs in the next: 2 * latency(b) <=
// slo. The max batch when slo_ms is 0 (none); 1 when even that misses.
int UsableBatch(const v1::VariantRecord& record, double slo_ms);

// One variant across the cluster, from the snapshot.
struct Footprint {
  int instances = 0;         // serving, on all workers
  bool loading = false;      // a load (of the first or more instances) runs somewhere
  double arrival_qps = 0;    // workers' recent arrivals, summed
  double average_batch = 0;  // weighted by served rate
  // Instances per worker id.
  std::map<std::string, int> per_worker;
};

// Every variant loaded or loading in `cluster`, by name.
std::map<std::string, Footprint> FootprintsOf(const controller::ClusterSnapshot& cluster);

// Free cores per worker (cores minus threads committed to loaded instances,
// never below 0), updated as a policy plans placements so that two variants
// do not claim the same core in one decision.
class CoreLedger {
 public:
  CoreLedger(const controller::ClusterSnapshot& cluster, const controller::Catalogue& catalogue);

  // Plans `count` more instances of `record`: on workers that hold it first,
  // then those with the most free cores; each needs `threads` free cores and
  // the variant's peak memory free. Draining workers take nothing. With
  // `only_worker` set, only that worker is used. Returns one kSetInstances
  // per worker touched (its new total); *unplaced gets the instances that
  // fit nowhere.
  std::vector<ScalingAction> Place(const v1::VariantRecord& record, int count,
                                   const Footprint& footprint, const std::string& reason,
                                   int* unplaced, const std::string& only_worker = "");

  // Returns `cores` to `worker_id` (instances planned away).
  void Release(const std::string& worker_id, int cores);

  int FreeCores(const std::string& worker_id) const;

 private:
  struct Worker {
    int free_cores = 0;
    int64_t free_memory = 0;
    bool draining = false;
  };
  std::map<std::string, Worker> workers_;
};

// Plans `count` fewer instances of a variant (never below `keep_at_least` in
// total): from the workers the provisioner may remove first (so that they
// empty), then those holding the most instances. One kSetInstances per
// worker touched.
std::vector<ScalingAction> PlanRemoval(const std::string& variant, const Footprint& footprint,
                                       int count, int keep_at_least,
                                       const std::vector<std::string>& removable,
                                       const std::string& reason);

}  // namespace infaas::autoscaler
