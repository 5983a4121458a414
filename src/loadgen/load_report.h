#pragma once

// LoadRecorder: what an open-loop load saw, per interval and in total —
// offered and achieved rate, latency percentiles, SLO attainment, errors by
// code and the variants that served.
//
//   LoadRecorder recorder(/*interval=*/absl::Seconds(5), /*slo_ms=*/20);
//   recorder.RecordSent(offset);                                  // at send
//   recorder.RecordDone(offset, latency, absl::OkStatus(), "lenet5_onnx_cpu1_b8");
//   LoadReport report = recorder.Report();
//   std::cout << FormatReportText(report);     // or FormatReportJson(report)
//
// A query belongs to the interval in which it was sent. Attained: answered
// OK within the SLO (with no SLO, answered OK). Goodput: attained per
// second. A refusal is a RESOURCE_EXHAUSTED answer (admission control); its
// time is how long the refusal took to arrive. The prediction error of an
// answer is |predicted - measured| / measured of the latency the master
// predicted and measured (AnswerTimes). Memory grows with the intervals,
// not with the queries: percentiles come from SampleDigest (exact up to 256
// samples per interval, within 1% past that). Thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "loadgen/sample_digest.h"

namespace infaas::loadgen {

struct IntervalStats {
  absl::Duration start;
  absl::Duration length;
  int64_t sent = 0;
  int64_t ok = 0;
  int64_t attained = 0;
  double offered_qps = 0;
  double achieved_qps = 0;                    // answered OK per second
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;  // of OK answers
  double slo_attainment = 0;                  // attained / sent, 0..1
  double goodput_qps = 0;                     // attained per second
  double answered_in_slo = 0;                 // attained / ok, 0..1 (1 when none)
  int64_t refused = 0;                        // RESOURCE_EXHAUSTED answers
  double refusal_p99_ms = 0;                  // time to a refusal
  double prediction_error_p50 = 0;            // of OK answers, 0.1 = 10%
  double prediction_error_p90 = 0;
  std::map<std::string, int64_t> errors;    // by status code name
  std::map<std::string, int64_t> variants;  // OK answers by variant
};

// A point of a latency distribution: `percent` of the answers took at most
// `ms`.
struct CdfPoint {
  double percent = 0;
  double ms = 0;
};

struct LoadReport {
  double slo_ms = 0;
  std::vector<IntervalStats> intervals;
  IntervalStats total;
  int64_t unanswered = 0;  // sent but not answered when the report was taken
  // The latency of all OK answers at percentiles 0, 1, ..., 99, 99.5, 99.9
  // and 100 (empty without answers).
  std::vector<CdfPoint> latency_cdf;
};

// What the master said of an answered query's latency (ms; negative when
// unknown).
struct AnswerTimes {
  double predicted_ms = -1;
  double measured_ms = -1;
};

// One query's outcome, kept when LoadRecorder::KeepOutcomes() was called:
// for analyses by time (e.g. which queries a fault cost, bench/cluster).
// Outcomes() lists them by send time, unanswered ones included.
struct QueryOutcome {
  absl::Duration sent;  // offset from the load's start
  double latency_ms = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message;  // empty when OK
  // False: sent and never answered (the load ended first): lost.
  bool answered = true;
};

class LoadRecorder {
 public:
  // `slo_ms` 0: no SLO (attained = answered OK).
  LoadRecorder(absl::Duration interval, double slo_ms);

  // From now on every query's outcome is kept (memory grows with the
  // queries: ~100 bytes each).
  void KeepOutcomes();
  std::vector<QueryOutcome> Outcomes() const;

  void RecordSent(absl::Duration offset);
  void RecordDone(absl::Duration sent_offset, absl::Duration latency, const absl::Status& status,
                  const std::string& variant, AnswerTimes times = {});

  // Everything so far; intervals up to the last query sent.
  LoadReport Report() const;
  // The interval stats of [now - interval, now), for a progress line.
  IntervalStats Last(absl::Duration now) const;

 private:
  struct Bucket {
    int64_t sent = 0;
    int64_t ok = 0;
    int64_t attained = 0;
    SampleDigest latencies_ms;
    SampleDigest refusal_ms;
    SampleDigest prediction_errors;
    std::map<std::string, int64_t> errors;
    std::map<std::string, int64_t> variants;
  };
  Bucket& BucketLocked(absl::Duration offset) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  IntervalStats Summarise(const Bucket& b, absl::Duration start, absl::Duration length) const;

  const absl::Duration interval_;
  const double slo_ms_;
  mutable absl::Mutex mu_;
  std::vector<Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  int64_t done_ ABSL_GUARDED_BY(mu_) = 0;
  bool keep_outcomes_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<QueryOutcome> outcomes_ ABSL_GUARDED_BY(mu_);
  std::multiset<absl::Duration> pending_ ABSL_GUARDED_BY(mu_);  // sent, not yet answered
};

// "sent_unix_ms,latency_ms,code,message" then one row per outcome (code
// LOST for a query never answered); `start`
// is the load's start (offsets become wall-clock times). Commas and line
// breaks in messages become spaces.
std::string FormatOutcomesCsv(const std::vector<QueryOutcome>& outcomes, absl::Time start);

// A table: one row per interval, then the total, then errors and variants.
std::string FormatReportText(const LoadReport& report);
// {"slo_ms":..,"total":{..},"intervals":[{..}],"unanswered":n}
std::string FormatReportJson(const LoadReport& report);
// One CSV row per interval, under a header: start_s, offered_qps,
// achieved_qps, goodput_qps, slo_attainment, answered_in_slo, refused,
// p50_ms, p90_ms, p99_ms (for plots of load and attainment over time).
std::string FormatIntervalsCsv(const LoadReport& report);
// The distribution of `samples_ms` (exact) at the percentiles LoadReport's
// latency_cdf uses; empty without samples.
std::vector<CdfPoint> LatencyCdfOf(std::vector<double> samples_ms);
// "percent,ms" rows of report.latency_cdf (for latency CDF plots).
std::string FormatLatencyCdfCsv(const std::vector<CdfPoint>& cdf);

}  // namespace infaas::loadgen
