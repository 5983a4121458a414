#pragma once

// QueryObserver: what the QueryRouter tells whoever watches the query path
// (metrics, statistics, the autoscaler's demand tracker), without knowing who it is.
//
//   class Stats : public QueryObserver { ... };
//   QueryRouter router({..., .observer = &stats});
//
// Callbacks run on the router's threads (the caller's or gRPC's callback
// threads), concurrently for different queries: implementations must be
// thread-safe and quick, and must not call back into the router.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/selector.h"
#include "infaas/v1/api.pb.h"

namespace infaas::controller {

class QueryObserver {
 public:
  virtual ~QueryObserver() = default;

  // The selector chose `selection` for a query (also for a re-placement).
  virtual void OnVariantSelected(const QueryRequirements& requirements,
                                 const Selection& selection) = 0;

  // A query's answer, just before the caller gets it; `elapsed` is the time
  // since the router received it.
  virtual void OnQueryDone(const QueryRequirements& requirements,
                           const absl::StatusOr<v1::QueryOnlineResponse>& result,
                           absl::Duration elapsed) = 0;
};

// Tells several observers, in order (e.g. the metrics and the autoscaler's
// demand tracker). The observers must outlive it.
class QueryObservers final : public QueryObserver {
 public:
  explicit QueryObservers(std::vector<QueryObserver*> observers)
      : observers_(std::move(observers)) {}

  void OnVariantSelected(const QueryRequirements& requirements,
                         const Selection& selection) override {
    for (QueryObserver* o : observers_) o->OnVariantSelected(requirements, selection);
  }
  void OnQueryDone(const QueryRequirements& requirements,
                   const absl::StatusOr<v1::QueryOnlineResponse>& result,
                   absl::Duration elapsed) override {
    for (QueryObserver* o : observers_) o->OnQueryDone(requirements, result, elapsed);
  }

 private:
  const std::vector<QueryObserver*> observers_;
};

}  // namespace infaas::controller
