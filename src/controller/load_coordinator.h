#pragma once

// LoadCoordinator: starts variant loads on workers, at most one per
// (worker, variant) at a time. A query that needs a variant being loaded
// waits for that load instead of starting another; a background load (no
// waiter) uses the same path.
//
//   coordinator.EnsureLoaded(record, worker_id, address,
//                            [](absl::Status s) { /* loaded, or why not */ });
//
// Loads are asynchronous gRPC calls (no thread blocks on them); callbacks
// run on gRPC's callback threads. While a load is in flight the
// ClusterView shows it as loading. Thread-safe.

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/cluster_view.h"
#include "controller/worker_clients.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::controller {

class LoadCoordinator {
 public:
  using Done = std::function<void(absl::Status)>;

  LoadCoordinator(WorkerClients* clients, ClusterView* cluster);
  ~LoadCoordinator();  // waits for loads in flight and their waiters' callbacks

  // `done` (may be null) runs once the load finished or failed. The worker
  // ends up with at least `instances` instances of the variant; a call that
  // joins a load in flight gets that load's count.
  void EnsureLoaded(const v1::VariantRecord& record, const std::string& worker_id,
                    const std::string& address, Done done, int instances = 1);

 private:
  using Key = std::pair<std::string, std::string>;  // worker id, variant
  void Finish(const Key& key, absl::Status status);

  WorkerClients* const clients_;
  ClusterView* const cluster_;
  absl::Mutex mu_;
  std::map<Key, std::vector<Done>> waiters_ ABSL_GUARDED_BY(mu_);
  // Finished loads whose waiters are being called.
  int notifying_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas::controller
