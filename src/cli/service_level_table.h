#pragma once

// What `infaas top` prints under the cluster tables: per name queries gave,
// their service levels over the last `window` of the master's per-second
// history (ClusterStatus.service_levels):
//
//   ASKED FOR                       FORM          QUERIES/S  SLO MET  GOODPUT/S  LATE  REFUSED
//   resnet_mini                     architecture      118.2    97.1%      114.8     0
//   resource_exhausted 41
//
// SLO MET is the share of the window's queries answered within their target
// (a refused query did not get its answer in time either); GOODPUT/S, those
// answers per second. Pure formatting; thread-safe.

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "infaas/v1/api.pb.h"

namespace infaas::cli {

struct ServiceLevelTotals {
  int64_t answered = 0;
  int64_t within_target = 0;
  int64_t missed_target = 0;
  int64_t refused = 0;
  std::map<std::string, int64_t> refused_by_reason;

  int64_t queries() const { return answered + refused; }
  // within_target / queries; NaN without queries.
  double attainment() const;
};

// The totals of `series` over the `window` that ends at `now`.
ServiceLevelTotals TotalsOver(const v1::ServiceLevelSeries& series, absl::Time now,
                              absl::Duration window);

// The table, or a line saying no query arrived in the window.
std::string FormatServiceLevels(const v1::ClusterStatus& status, absl::Duration window);

}  // namespace infaas::cli
