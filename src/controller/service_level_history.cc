#include "controller/service_level_history.h"

#include <algorithm>

#include "controller/query_names.h"

namespace infaas::controller {

ServiceLevelHistory::ServiceLevelHistory(CatalogueView* catalogue, Clock* clock)
    : catalogue_(catalogue), clock_(clock) {}

void ServiceLevelHistory::OnQueryDone(const QueryRequirements& requirements,
                                      const absl::StatusOr<v1::QueryOnlineResponse>& result,
                                      absl::Duration elapsed) {
  const std::string name = RequestedModelName(requirements, *catalogue_->Get());
  const int64_t second = absl::ToUnixSeconds(clock_->Now());
  absl::MutexLock lock(&mu_);
  Series& series = series_[name];
  series.form = std::string(QueryFormName(requirements));
  if (series.points.empty() || series.points.back().at_unix_s() < second) {
    series.points.emplace_back().set_at_unix_s(second);
  }
  // A clock that stepped back counts in the latest second.
  v1::ServiceLevelPoint& point = series.points.back();
  while (series.points.front().at_unix_s() <= second - kMaxSeconds) series.points.pop_front();
  if (!result.ok()) {
    ++(*point.mutable_refused())[FailureReason(result.status())];
    return;
  }
  point.set_answered(point.answered() + 1);
  const bool late = requirements.latency_slo_ms > 0 &&
                    absl::ToDoubleMilliseconds(elapsed) > requirements.latency_slo_ms;
  if (late) {
    point.set_missed_target(point.missed_target() + 1);
  } else {
    point.set_within_target(point.within_target() + 1);
  }
}

std::vector<v1::ServiceLevelSeries> ServiceLevelHistory::Recent(absl::Duration window) const {
  const int64_t seconds = std::clamp<int64_t>(absl::ToInt64Seconds(window), 0, kMaxSeconds);
  const int64_t first = absl::ToUnixSeconds(clock_->Now()) - seconds + 1;
  std::vector<v1::ServiceLevelSeries> out;
  if (seconds == 0) return out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, series] : series_) {
    auto begin = std::lower_bound(
        series.points.begin(), series.points.end(), first,
        [](const v1::ServiceLevelPoint& p, int64_t s) { return p.at_unix_s() < s; });
    if (begin == series.points.end()) continue;
    v1::ServiceLevelSeries& s = out.emplace_back();
    s.set_name(name);
    s.set_form(series.form);
    for (auto it = begin; it != series.points.end(); ++it) *s.add_points() = *it;
  }
  return out;
}

}  // namespace infaas::controller
