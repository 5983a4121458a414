#pragma once

// ServiceLevelHistory: what the queries that named each model met, second by
// second, over the last minutes — the series the dashboard and `infaas top`
// draw (SLO attainment, goodput, refusals by reason). Prometheus keeps the
// same figures as counters (ServingMetrics); this keeps them where the master
// can answer with them at once, without a time-series database.
//
//   ServiceLevelHistory history(Clock::Real());
//   QueryRouter router({..., .observer = &observers});   // history among them
//   std::vector<v1::ServiceLevelSeries> series = history.Recent(absl::Minutes(5));
//
// A query counts under the name it gave (RequestedModelName: its variant,
// architecture or "task/dataset"; "(unregistered)" for names not in the
// catalogue), in the second it was answered: within its target (or without
// one), late, or refused with a reason (FailureReason). At most
// `kMaxSeconds` seconds are kept per name; names come from the catalogue,
// so their number is bounded by it.
//
// Thread-safe: callbacks run on the router's threads, Recent on any.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/catalogue_view.h"
#include "controller/query_observer.h"
#include "infaas/v1/api.pb.h"

namespace infaas::controller {

class ServiceLevelHistory final : public QueryObserver {
 public:
  static constexpr int kMaxSeconds = 600;

  // `catalogue` names the queries (RequestedModelName); both outlive this.
  ServiceLevelHistory(CatalogueView* catalogue, Clock* clock);

  void OnVariantSelected(const QueryRequirements&, const Selection&) override {}
  void OnQueryDone(const QueryRequirements& requirements,
                   const absl::StatusOr<v1::QueryOnlineResponse>& result,
                   absl::Duration elapsed) override;

  // Every name with a query in the last `window` (at most kMaxSeconds), by
  // name, each with its seconds that had queries, oldest first.
  std::vector<v1::ServiceLevelSeries> Recent(absl::Duration window) const;

 private:
  struct Series {
    std::string form;
    std::deque<v1::ServiceLevelPoint> points;  // one per second, ascending
  };

  CatalogueView* const catalogue_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
