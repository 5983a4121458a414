#include "loadgen/load_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace infaas::loadgen {

LoadRecorder::LoadRecorder(absl::Duration interval, double slo_ms)
    : interval_(std::max(interval, absl::Milliseconds(100))), slo_ms_(slo_ms) {}

LoadRecorder::Bucket& LoadRecorder::BucketLocked(absl::Duration offset) {
  const size_t index =
      static_cast<size_t>(std::max<int64_t>(0, absl::IDivDuration(offset, interval_, &offset)));
  if (buckets_.size() <= index) buckets_.resize(index + 1);
  return buckets_[index];
}

void LoadRecorder::RecordSent(absl::Duration offset) {
  absl::MutexLock lock(&mu_);
  ++BucketLocked(offset).sent;
  if (keep_outcomes_) pending_.insert(offset);
}

void LoadRecorder::KeepOutcomes() {
  absl::MutexLock lock(&mu_);
  keep_outcomes_ = true;
}

std::vector<QueryOutcome> LoadRecorder::Outcomes() const {
  absl::MutexLock lock(&mu_);
  std::vector<QueryOutcome> all = outcomes_;
  for (absl::Duration sent : pending_) {
    all.push_back({.sent = sent,
                   .latency_ms = 0,
                   .code = absl::StatusCode::kUnknown,
                   .message = "",
                   .answered = false});
  }
  std::sort(all.begin(), all.end(),
            [](const QueryOutcome& a, const QueryOutcome& b) { return a.sent < b.sent; });
  return all;
}

std::string FormatOutcomesCsv(const std::vector<QueryOutcome>& outcomes, absl::Time start) {
  std::string out = "sent_unix_ms,latency_ms,code,message\n";
  for (const QueryOutcome& o : outcomes) {
    std::string message = o.message;
    std::replace_if(
        message.begin(), message.end(), [](char c) { return c == ',' || c == '\n' || c == '\r'; },
        ' ');
    absl::StrAppendFormat(&out, "%d,%.3f,%s,%s\n", absl::ToUnixMillis(start + o.sent), o.latency_ms,
                          o.answered ? absl::StatusCodeToString(o.code) : "LOST", message);
  }
  return out;
}

void LoadRecorder::RecordDone(absl::Duration sent_offset, absl::Duration latency,
                              const absl::Status& status, const std::string& variant,
                              AnswerTimes times) {
  const double ms = absl::ToDoubleMilliseconds(latency);
  absl::MutexLock lock(&mu_);
  ++done_;
  if (keep_outcomes_) {
    if (auto it = pending_.find(sent_offset); it != pending_.end()) pending_.erase(it);
    outcomes_.push_back({.sent = sent_offset,
                         .latency_ms = ms,
                         .code = status.code(),
                         .message = std::string(status.message()),
                         .answered = true});
  }
  Bucket& b = BucketLocked(sent_offset);
  if (!status.ok()) {
    ++b.errors[absl::StatusCodeToString(status.code())];
    if (absl::IsResourceExhausted(status)) b.refusal_ms.Add(ms);
    return;
  }
  ++b.ok;
  b.latencies_ms.Add(ms);
  if (times.measured_ms > 0 && times.predicted_ms >= 0 && std::isfinite(times.predicted_ms)) {
    b.prediction_errors.Add(std::abs(times.predicted_ms - times.measured_ms) / times.measured_ms);
  }
  ++b.variants[variant];
  if (slo_ms_ <= 0 || ms <= slo_ms_) ++b.attained;
}

IntervalStats LoadRecorder::Summarise(const Bucket& b, absl::Duration start,
                                      absl::Duration length) const {
  IntervalStats s;
  s.start = start;
  s.length = length;
  s.sent = b.sent;
  s.ok = b.ok;
  s.attained = b.attained;
  const double seconds = std::max(absl::ToDoubleSeconds(length), 1e-9);
  s.offered_qps = static_cast<double>(b.sent) / seconds;
  s.achieved_qps = static_cast<double>(b.ok) / seconds;
  s.p50_ms = b.latencies_ms.Percentile(50);
  s.p90_ms = b.latencies_ms.Percentile(90);
  s.p99_ms = b.latencies_ms.Percentile(99);
  s.slo_attainment = b.sent > 0 ? static_cast<double>(b.attained) / static_cast<double>(b.sent) : 0;
  s.goodput_qps = static_cast<double>(b.attained) / seconds;
  s.answered_in_slo = b.ok > 0 ? static_cast<double>(b.attained) / static_cast<double>(b.ok) : 1;
  s.refused = b.refusal_ms.count();
  s.refusal_p99_ms = b.refusal_ms.Percentile(99);
  s.prediction_error_p50 = b.prediction_errors.Percentile(50);
  s.prediction_error_p90 = b.prediction_errors.Percentile(90);
  s.errors = b.errors;
  s.variants = b.variants;
  return s;
}

namespace {

// Where latency distributions are sampled: every percent, and the tail.
const std::vector<double>& CdfPercents() {
  static const std::vector<double>* percents = [] {
    auto* p = new std::vector<double>;
    for (int i = 0; i < 100; ++i) p->push_back(i);
    p->insert(p->end(), {99.5, 99.9, 100});
    return p;
  }();
  return *percents;
}

}  // namespace

LoadReport LoadRecorder::Report() const {
  absl::MutexLock lock(&mu_);
  LoadReport report;
  report.slo_ms = slo_ms_;
  Bucket all;
  int64_t sent = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const Bucket& b = buckets_[i];
    report.intervals.push_back(Summarise(b, interval_ * static_cast<int64_t>(i), interval_));
    all.sent += b.sent;
    all.ok += b.ok;
    all.attained += b.attained;
    all.latencies_ms.Merge(b.latencies_ms);
    all.refusal_ms.Merge(b.refusal_ms);
    all.prediction_errors.Merge(b.prediction_errors);
    for (const auto& [k, v] : b.errors) all.errors[k] += v;
    for (const auto& [k, v] : b.variants) all.variants[k] += v;
    sent += b.sent;
  }
  report.total = Summarise(all, absl::ZeroDuration(),
                           interval_ * static_cast<int64_t>(std::max<size_t>(buckets_.size(), 1)));
  report.unanswered = sent - done_;
  if (!all.latencies_ms.empty()) {
    for (double p : CdfPercents())
      report.latency_cdf.push_back({p, all.latencies_ms.Percentile(p)});
  }
  return report;
}

IntervalStats LoadRecorder::Last(absl::Duration now) const {
  absl::MutexLock lock(&mu_);
  absl::Duration rem;
  const int64_t index = absl::IDivDuration(now, interval_, &rem) - 1;
  if (index < 0 || static_cast<size_t>(index) >= buckets_.size()) return {};
  return Summarise(buckets_[static_cast<size_t>(index)], interval_ * index, interval_);
}

namespace {

std::string Counts(const std::map<std::string, int64_t>& counts) {
  if (counts.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& [k, v] : counts) parts.push_back(absl::StrCat(k, " ", v));
  return absl::StrJoin(parts, ", ");
}

std::string Row(const std::string& label, const IntervalStats& s) {
  int64_t errors = 0;
  for (const auto& [k, v] : s.errors) errors += v;
  return absl::StrFormat("%-12s %8.1f %8.1f %8.2f %8.2f %8.2f %7.1f%% %7d\n", label, s.offered_qps,
                         s.achieved_qps, s.p50_ms, s.p90_ms, s.p99_ms, 100 * s.slo_attainment,
                         errors);
}

std::string JsonCounts(const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : counts) parts.push_back(absl::StrFormat("\"%s\":%d", k, v));
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string JsonStats(const IntervalStats& s) {
  return absl::StrFormat(
      "{\"start_s\":%.3f,\"length_s\":%.3f,\"sent\":%d,\"ok\":%d,\"attained\":%d,"
      "\"offered_qps\":%.3f,\"achieved_qps\":%.3f,\"p50_ms\":%.4f,\"p90_ms\":%.4f,"
      "\"p99_ms\":%.4f,\"slo_attainment\":%.5f,\"goodput_qps\":%.3f,"
      "\"answered_in_slo\":%.5f,\"refused\":%d,\"refusal_p99_ms\":%.4f,"
      "\"prediction_error_p50\":%.4f,\"prediction_error_p90\":%.4f,\"errors\":%s,"
      "\"variants\":%s}",
      absl::ToDoubleSeconds(s.start), absl::ToDoubleSeconds(s.length), s.sent, s.ok, s.attained,
      s.offered_qps, s.achieved_qps, s.p50_ms, s.p90_ms, s.p99_ms, s.slo_attainment, s.goodput_qps,
      s.answered_in_slo, s.refused, s.refusal_p99_ms, s.prediction_error_p50,
      s.prediction_error_p90, JsonCounts(s.errors), JsonCounts(s.variants));
}

}  // namespace

std::string FormatReportText(const LoadReport& report) {
  std::string out = absl::StrFormat("%-12s %8s %8s %8s %8s %8s %8s %7s\n", "interval", "offered",
                                    "achieved", "p50 ms", "p90 ms", "p99 ms", "in SLO", "errors");
  for (const IntervalStats& s : report.intervals) {
    out += Row(absl::StrFormat("%.0f-%.0fs", absl::ToDoubleSeconds(s.start),
                               absl::ToDoubleSeconds(s.start + s.length)),
               s);
  }
  out += Row("total", report.total);
  absl::StrAppend(&out, "SLO: ",
                  report.slo_ms > 0 ? absl::StrFormat("%g ms", report.slo_ms)
                                    : std::string("none (in SLO = answered)"),
                  "\nerrors: ", Counts(report.total.errors),
                  "\nserved by: ", Counts(report.total.variants), "\n");
  if (report.unanswered > 0) {
    absl::StrAppend(&out, "unanswered when the run ended: ", report.unanswered, "\n");
  }
  return out;
}

std::string FormatReportJson(const LoadReport& report) {
  std::vector<std::string> intervals;
  for (const IntervalStats& s : report.intervals) intervals.push_back(JsonStats(s));
  return absl::StrFormat("{\"slo_ms\":%g,\"total\":%s,\"intervals\":[%s],\"unanswered\":%d}",
                         report.slo_ms, JsonStats(report.total), absl::StrJoin(intervals, ","),
                         report.unanswered);
}

std::string FormatIntervalsCsv(const LoadReport& report) {
  std::string out =
      "start_s,offered_qps,achieved_qps,goodput_qps,slo_attainment,answered_in_slo,refused,"
      "p50_ms,p90_ms,p99_ms\n";
  for (const IntervalStats& s : report.intervals) {
    absl::StrAppend(
        &out, absl::StrFormat("%g,%g,%g,%g,%g,%g,%d,%g,%g,%g\n", absl::ToDoubleSeconds(s.start),
                              s.offered_qps, s.achieved_qps, s.goodput_qps, s.slo_attainment,
                              s.answered_in_slo, s.refused, s.p50_ms, s.p90_ms, s.p99_ms));
  }
  return out;
}

std::vector<CdfPoint> LatencyCdfOf(std::vector<double> samples_ms) {
  std::vector<CdfPoint> cdf;
  if (samples_ms.empty()) return cdf;
  std::sort(samples_ms.begin(), samples_ms.end());
  for (double p : CdfPercents()) {
    // Interpolated between ranks, as PercentileOf (sorted once here).
    const double pos = p / 100 * static_cast<double>(samples_ms.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, samples_ms.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    cdf.push_back({p, samples_ms[lo] + frac * (samples_ms[hi] - samples_ms[lo])});
  }
  return cdf;
}

std::string FormatLatencyCdfCsv(const std::vector<CdfPoint>& cdf) {
  std::string out = "percent,ms\n";
  for (const CdfPoint& p : cdf) absl::StrAppend(&out, absl::StrFormat("%g,%g\n", p.percent, p.ms));
  return out;
}

}  // namespace infaas::loadgen
