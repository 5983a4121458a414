#include "cli/service_level_table.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/text_table.h"

namespace infaas::cli {

double ServiceLevelTotals::attainment() const {
  return queries() > 0 ? static_cast<double>(within_target) / static_cast<double>(queries())
                       : std::nan("");
}

ServiceLevelTotals TotalsOver(const v1::ServiceLevelSeries& series, absl::Time now,
                              absl::Duration window) {
  const int64_t last = absl::ToUnixSeconds(now);
  const int64_t first = last - absl::ToInt64Seconds(window) + 1;
  ServiceLevelTotals t;
  for (const v1::ServiceLevelPoint& p : series.points()) {
    if (p.at_unix_s() < first || p.at_unix_s() > last) continue;
    t.answered += p.answered();
    t.within_target += p.within_target();
    t.missed_target += p.missed_target();
    for (const auto& [reason, n] : p.refused()) {
      t.refused += n;
      t.refused_by_reason[reason] += n;
    }
  }
  return t;
}

std::string FormatServiceLevels(const v1::ClusterStatus& status, absl::Duration window) {
  const absl::Time now = absl::FromUnixMillis(status.now_unix_ms());
  const double seconds = absl::ToDoubleSeconds(window);
  std::vector<std::vector<std::string>> rows = {
      {"ASKED FOR", "FORM", "QUERIES/S", "SLO MET", "GOODPUT/S", "LATE", "REFUSED"}};
  for (const v1::ServiceLevelSeries& s : status.service_levels()) {
    const ServiceLevelTotals t = TotalsOver(s, now, window);
    if (t.queries() == 0) continue;
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : t.refused_by_reason)
      reasons.push_back(absl::StrCat(reason, " ", n));
    rows.push_back({s.name(), s.form(), absl::StrFormat("%.1f", t.queries() / seconds),
                    absl::StrFormat("%.1f%%", 100 * t.attainment()),
                    absl::StrFormat("%.1f", t.within_target / seconds),
                    absl::StrCat(t.missed_target),
                    reasons.empty() ? "-" : absl::StrJoin(reasons, ", ")});
  }
  if (rows.size() == 1) {
    return absl::StrCat("no queries in the last ", absl::FormatDuration(window), "\n");
  }
  return FormatTextTable(rows, "LL");
}

}  // namespace infaas::cli
