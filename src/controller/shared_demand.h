#pragma once

// SharedDemand: the demand of every master sharing one store, for the
// leader's autoscaler. Each master routes its own clients' queries, so its
// DemandTracker sees only them; a leader scaling on its own share alone
// would unload what another master's clients use.
//
//   SharedDemand demand(&tracker, store, "10.0.0.5:50052/8812");
//   demand.Publish();                              // every master, ~1 s
//   DemandSnapshot all = demand.Snapshot();        // the leader's autoscaler
//
// Publish() writes this master's snapshot as a store report (kind
// "demand") that lapses after `report_ttl` — a master that died stops
// counting within it. Snapshot() is this master's live snapshot plus the
// other masters' latest reports, merged: rates add up, the tightest SLO is
// the smallest, the largest batch the largest, pinned if pinned anywhere.
// A store that cannot be read leaves this master's own demand (logged).
//
// Thread-safe; the tracker and store must outlive it.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/log_throttle.h"
#include "controller/demand_tracker.h"
#include "infaas/v1/catalogue.pb.h"
#include "store/metadata_store.h"

namespace infaas::controller {

// The report of `snapshot` from `master`, and back.
v1::DemandReport ToDemandReport(const DemandSnapshot& snapshot, const std::string& master);
DemandSnapshot FromDemandReport(const v1::DemandReport& report);
// Adds `other` into `into` (see above for how each figure merges).
void MergeDemand(const DemandSnapshot& other, DemandSnapshot& into);

class SharedDemand final : public DemandSource {
 public:
  SharedDemand(const DemandTracker* own, store::MetadataStore* store, std::string master,
               absl::Duration report_ttl = absl::Seconds(3));

  // Writes this master's current demand to the store.
  absl::Status Publish();

  DemandSnapshot Snapshot() const override;

 private:
  const DemandTracker* const own_;
  store::MetadataStore* const store_;
  const std::string master_;
  const absl::Duration report_ttl_;
  mutable LogThrottle read_failures_{absl::Seconds(10)};
};

}  // namespace infaas::controller
