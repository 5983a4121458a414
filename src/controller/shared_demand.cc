#include "controller/shared_demand.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace infaas::controller {
namespace {

constexpr char kReportKind[] = "demand";

// The smaller SLO, 0 meaning "none".
double Tightest(double a, double b) {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return std::min(a, b);
}

}  // namespace

v1::DemandReport ToDemandReport(const DemandSnapshot& snapshot, const std::string& master) {
  v1::DemandReport report;
  report.set_master(master);
  report.set_unmet_qps(snapshot.unmet_qps);
  for (const auto& [name, demand] : snapshot.variants) {
    v1::DemandReport::Variant* v = report.add_variants();
    v->set_name(name);
    v->set_qps(demand.qps);
    v->set_items_per_s(demand.items_per_s);
    v->set_tightest_slo_ms(demand.tightest_slo_ms);
    v->set_largest_batch(demand.largest_batch);
    v->set_pinned(demand.pinned);
  }
  return report;
}

DemandSnapshot FromDemandReport(const v1::DemandReport& report) {
  DemandSnapshot snapshot;
  snapshot.unmet_qps = report.unmet_qps();
  for (const v1::DemandReport::Variant& v : report.variants()) {
    snapshot.variants[v.name()] = VariantDemand{.qps = v.qps(),
                                                .items_per_s = v.items_per_s(),
                                                .tightest_slo_ms = v.tightest_slo_ms(),
                                                .largest_batch = v.largest_batch(),
                                                .pinned = v.pinned()};
  }
  return snapshot;
}

void MergeDemand(const DemandSnapshot& other, DemandSnapshot& into) {
  into.unmet_qps += other.unmet_qps;
  for (const auto& [name, demand] : other.variants) {
    VariantDemand& merged = into.variants[name];
    merged.qps += demand.qps;
    merged.items_per_s += demand.items_per_s;
    merged.tightest_slo_ms = Tightest(merged.tightest_slo_ms, demand.tightest_slo_ms);
    merged.largest_batch = std::max(merged.largest_batch, demand.largest_batch);
    merged.pinned = merged.pinned || demand.pinned;
  }
}

SharedDemand::SharedDemand(const DemandTracker* own, store::MetadataStore* store,
                           std::string master, absl::Duration report_ttl)
    : own_(own), store_(store), master_(std::move(master)), report_ttl_(report_ttl) {}

absl::Status SharedDemand::Publish() {
  return store_->PutReport(kReportKind, master_,
                           ToDemandReport(own_->Snapshot(), master_).SerializeAsString(),
                           report_ttl_);
}

DemandSnapshot SharedDemand::Snapshot() const {
  DemandSnapshot merged = own_->Snapshot();
  absl::StatusOr<std::vector<std::string>> reports = store_->ListReports(kReportKind);
  if (!reports.ok()) {
    if (std::optional<int64_t> held = read_failures_.Admit(absl::Now())) {
      LogWarning("other masters' demand unread; scaling on this master's own",
                 {{"error", reports.status().ToString()}, {"since_last", absl::StrCat(*held)}});
    }
    return merged;
  }
  for (const std::string& bytes : *reports) {
    v1::DemandReport report;
    if (!report.ParseFromString(bytes) || report.master() == master_) continue;
    MergeDemand(FromDemandReport(report), merged);
  }
  return merged;
}

}  // namespace infaas::controller
