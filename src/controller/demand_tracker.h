#pragma once

// DemandTracker: what queries the master has routed over the last few
// seconds, per variant, and how many it could not serve for lack of capacity.
// The autoscalers read it: the master sees demand the moment it arrives,
// before any worker's heartbeat reports it, and sees demand that never
// reached a worker at all (queries refused because nothing could serve them).
//
//   QueryRouter router({..., .observer = &tracker});   // it watches the queries
//   DemandSnapshot demand = tracker.Snapshot();
//
// As a QueryObserver it records each selection as a dispatch and each answer
// UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED as unmet demand (what
// more capacity would have served; not malformed queries, nor requirements
// that no variant meets).
//
// Time is cut into one-second slots; a snapshot covers the last `window`
// (the current second partly) and never less than one second. Thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/query_observer.h"

namespace infaas::controller {

// One variant's recent demand.
struct VariantDemand {
  double qps = 0;              // queries routed to it per second
  double items_per_s = 0;      // examples (inputs) per second
  double tightest_slo_ms = 0;  // the smallest SLO among them; 0 when none had one
  int largest_batch = 0;       // the most inputs one query carried
  // Some of its queries named it (form 1): they cannot move to another
  // variant, so it must keep serving.
  bool pinned = false;
};

// Recent demand at one instant; a plain value.
struct DemandSnapshot {
  std::map<std::string, VariantDemand> variants;
  // Queries per second refused for lack of capacity (nothing could serve
  // them within their SLO now, or a queue was full).
  double unmet_qps = 0;

  const VariantDemand* Find(const std::string& variant) const {
    auto it = variants.find(variant);
    return it == variants.end() ? nullptr : &it->second;
  }
};

// Where the autoscaler reads demand: one master's DemandTracker, or
// SharedDemand (shared_demand.h), which adds the other masters' reports.
class DemandSource {
 public:
  virtual ~DemandSource() = default;
  virtual DemandSnapshot Snapshot() const = 0;
};

class DemandTracker final : public QueryObserver, public DemandSource {
 public:
  // `clock` must outlive the tracker.
  explicit DemandTracker(Clock* clock, absl::Duration window = absl::Seconds(2));

  // A query of `batch` inputs sent to `variant`; `slo_ms` 0 when it had none;
  // `pinned` when it named the variant.
  void RecordDispatch(const std::string& variant, double slo_ms, bool pinned, int batch);
  // A query refused because nothing had the capacity to serve it.
  void RecordUnmet();

  DemandSnapshot Snapshot() const override;

  // QueryObserver.
  void OnVariantSelected(const QueryRequirements& requirements,
                         const Selection& selection) override;
  void OnQueryDone(const QueryRequirements& requirements,
                   const absl::StatusOr<v1::QueryOnlineResponse>& result,
                   absl::Duration elapsed) override;

 private:
  struct VariantSlot {
    int64_t queries = 0;
    int64_t items = 0;
    double tightest_slo_ms = 0;
    int largest_batch = 0;
    bool pinned = false;
  };
  struct Slot {
    int64_t second = 0;
    std::map<std::string, VariantSlot> variants;
    int64_t unmet = 0;
  };

  // The slot of the current second, dropping those out of the window.
  Slot& CurrentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  const int64_t window_seconds_;
  const absl::Time started_;
  mutable absl::Mutex mu_;
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
