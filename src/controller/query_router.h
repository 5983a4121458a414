#pragma once

// QueryRouter: answers online queries — the model-less part of the master.
//
// For each query it reads the current catalogue and cluster snapshots, asks
// the selector (a pure policy) for a variant and worker, hands any load the
// selector recommends to the owner of placement (LoadRequests: the
// autoscaler's policy weighs it), loads the chosen variant first if
// the selector decided a cold load fits the SLO, and sends the inputs to the
// worker with the caller's deadline (several small queries to one variant on
// one worker may share a call: CallCoalescer). If the worker turns out to be gone
// (UNAVAILABLE) it is marked dead and the query is placed once more.
//
//   router.QueryOnline(request, deadline, [](absl::StatusOr<v1::QueryOnlineResponse> r) {...});
//
// Transport-neutral and asynchronous: no thread blocks on a load or an
// inference; `done` runs exactly once, on the calling thread (for errors
// found before dispatch) or on the WorkerPort's callback thread. The same
// code routes the simulator's queries (sim/sim_master.h). Thread-safe.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/principal.h"
#include "auth/tenant_quotas.h"
#include "common/clock.h"
#include "common/query_limits.h"
#include "controller/call_coalescer.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/in_flight_limit.h"
#include "controller/load_coordinator.h"
#include "controller/load_requests.h"
#include "controller/query_observer.h"
#include "controller/selector.h"
#include "controller/worker_port.h"
#include "infaas/v1/api.pb.h"

namespace infaas::controller {

class QueryRouter {
 public:
  using Done = std::function<void(absl::StatusOr<v1::QueryOnlineResponse>)>;

  struct Dependencies {
    CatalogueView* catalogue;
    ClusterView* cluster;
    WorkerPort* workers;
    LoadCoordinator* loads;
    Clock* clock;
    // The owner of placement, who weighs the loads the selector recommends
    // (the autoscaler); null (tools, tests): the router starts them itself.
    LoadRequests* load_requests = nullptr;
    // Told of each selection and answer; null for none.
    QueryObserver* observer = nullptr;
    // Each tenant's queries per second and in flight; null for no limits.
    auth::TenantQuotas* quotas = nullptr;
    // Everyone's queries and request bytes in flight; null for no bound.
    InFlightLimit* in_flight = nullptr;
  };

  // `coalescing`: when queries to one variant on one worker share a call
  // (CallCoalescer).
  explicit QueryRouter(Dependencies deps, SelectorOptions options = {},
                       CallCoalescer::Options coalescing = {});

  // `caller` sees only the models it may (CatalogueView::VisibleTo) and is
  // held to its tenant's quota: over it, RESOURCE_EXHAUSTED at once.
  // The request is moved along, not copied: pass it with std::move.
  void QueryOnline(const auth::Principal& caller, v1::QueryOnlineRequest request,
                   absl::Time deadline, Done done);

 private:
  struct Pending;

  void Place(std::shared_ptr<Pending> query);
  void Dispatch(std::shared_ptr<Pending> query);
  void OnReply(std::shared_ptr<Pending> query, CallCoalescer::Outcome outcome);

  const Dependencies deps_;
  const SelectorOptions options_;
  // Last, so destroyed first: it waits for the calls in flight, whose
  // answers use the members above.
  CallCoalescer calls_;
};

// The selector's view of a query's requirements.
QueryRequirements RequirementsOf(const v1::QueryOnlineRequest& request);

}  // namespace infaas::controller
