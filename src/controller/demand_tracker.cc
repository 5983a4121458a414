#include "controller/demand_tracker.h"

#include <algorithm>
#include <cmath>

namespace infaas::controller {
namespace {

int64_t WholeSeconds(absl::Time t) { return absl::ToUnixSeconds(t); }

double MinSlo(double a, double b) {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return std::min(a, b);
}

}  // namespace

DemandTracker::DemandTracker(Clock* clock, absl::Duration window)
    : clock_(clock),
      window_seconds_(
          std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(window, absl::Seconds(1))))),
      started_(clock->Now()) {}

DemandTracker::Slot& DemandTracker::CurrentLocked() {
  const int64_t now = WholeSeconds(clock_->Now());
  while (!slots_.empty() && slots_.front().second <= now - window_seconds_) slots_.pop_front();
  if (slots_.empty() || slots_.back().second != now) {
    Slot slot;
    slot.second = now;
    slots_.push_back(std::move(slot));
  }
  return slots_.back();
}

void DemandTracker::RecordDispatch(const std::string& variant, double slo_ms, bool pinned,
                                   int batch) {
  absl::MutexLock lock(&mu_);
  VariantSlot& slot = CurrentLocked().variants[variant];
  ++slot.queries;
  slot.items += std::max(1, batch);
  slot.largest_batch = std::max(slot.largest_batch, batch);
  slot.tightest_slo_ms = MinSlo(slot.tightest_slo_ms, slo_ms);
  slot.pinned = slot.pinned || pinned;
}

void DemandTracker::RecordUnmet() {
  absl::MutexLock lock(&mu_);
  ++CurrentLocked().unmet;
}

void DemandTracker::OnVariantSelected(const QueryRequirements& requirements,
                                      const Selection& selection) {
  RecordDispatch(selection.variant, requirements.latency_slo_ms, !requirements.variant.empty(),
                 requirements.batch_size);
}

void DemandTracker::OnQueryDone(const QueryRequirements& /*requirements*/,
                                const absl::StatusOr<v1::QueryOnlineResponse>& result,
                                absl::Duration /*elapsed*/) {
  const absl::Status& s = result.status();
  if (absl::IsUnavailable(s) || absl::IsResourceExhausted(s) || absl::IsDeadlineExceeded(s)) {
    RecordUnmet();
  }
}

DemandSnapshot DemandTracker::Snapshot() const {
  const absl::Time now = clock_->Now();
  // The window's span: whole past seconds plus the current one so far, but
  // never more than has passed since start, nor under one second.
  const double into_second = absl::ToDoubleSeconds(now - absl::FromUnixSeconds(WholeSeconds(now)));
  double span = static_cast<double>(window_seconds_ - 1) + into_second;
  span = std::min(span, absl::ToDoubleSeconds(now - started_));
  span = std::max(span, 1.0);
  const int64_t oldest = WholeSeconds(now) - window_seconds_ + 1;

  DemandSnapshot demand;
  int64_t unmet = 0;
  std::map<std::string, VariantSlot> totals;
  {
    absl::MutexLock lock(&mu_);
    for (const Slot& slot : slots_) {
      if (slot.second < oldest) continue;
      unmet += slot.unmet;
      for (const auto& [name, v] : slot.variants) {
        VariantSlot& total = totals[name];
        total.queries += v.queries;
        total.items += v.items;
        total.tightest_slo_ms = MinSlo(total.tightest_slo_ms, v.tightest_slo_ms);
        total.largest_batch = std::max(total.largest_batch, v.largest_batch);
        total.pinned = total.pinned || v.pinned;
      }
    }
  }
  for (const auto& [name, total] : totals) {
    demand.variants[name] = {.qps = static_cast<double>(total.queries) / span,
                             .items_per_s = static_cast<double>(total.items) / span,
                             .tightest_slo_ms = total.tightest_slo_ms,
                             .largest_batch = total.largest_batch,
                             .pinned = total.pinned};
  }
  demand.unmet_qps = static_cast<double>(unmet) / span;
  return demand;
}

}  // namespace infaas::controller
