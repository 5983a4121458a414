#include "loadgen/load_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::loadgen {
namespace {

using ::testing::HasSubstr;

TEST(LoadRecorderTest, SummarisesEachIntervalAndTheTotal) {
  LoadRecorder recorder(absl::Seconds(1), /*slo_ms=*/10);
  // Second 0: four sent, three OK (5, 8 and 20 ms), one refused.
  for (int i = 0; i < 4; ++i) recorder.RecordSent(absl::Milliseconds(100 * i));
  recorder.RecordDone(absl::Milliseconds(0), absl::Milliseconds(5), absl::OkStatus(), "a");
  recorder.RecordDone(absl::Milliseconds(100), absl::Milliseconds(8), absl::OkStatus(), "a");
  recorder.RecordDone(absl::Milliseconds(200), absl::Milliseconds(20), absl::OkStatus(), "b");
  recorder.RecordDone(absl::Milliseconds(300), absl::Milliseconds(1),
                      absl::UnavailableError("busy"), "");
  // Second 1: two sent, one never answered.
  recorder.RecordSent(absl::Milliseconds(1500));
  recorder.RecordSent(absl::Milliseconds(1600));
  recorder.RecordDone(absl::Milliseconds(1500), absl::Milliseconds(2), absl::OkStatus(), "a");

  const LoadReport report = recorder.Report();
  ASSERT_EQ(report.intervals.size(), 2u);
  const IntervalStats& first = report.intervals[0];
  EXPECT_EQ(first.sent, 4);
  EXPECT_EQ(first.ok, 3);
  EXPECT_DOUBLE_EQ(first.offered_qps, 4);
  EXPECT_DOUBLE_EQ(first.achieved_qps, 3);
  EXPECT_DOUBLE_EQ(first.slo_attainment, 0.5);  // 5 and 8 ms of four sent
  EXPECT_EQ(first.errors.at("UNAVAILABLE"), 1);
  EXPECT_EQ(first.variants.at("a"), 2);
  EXPECT_EQ(report.total.sent, 6);
  EXPECT_EQ(report.total.ok, 4);
  EXPECT_EQ(report.unanswered, 1);
  EXPECT_DOUBLE_EQ(report.total.offered_qps, 3);  // 6 over 2 s

  const std::string text = FormatReportText(report);
  EXPECT_THAT(text, HasSubstr("errors: UNAVAILABLE 1"));
  EXPECT_THAT(text, HasSubstr("served by: a 3, b 1"));
  EXPECT_THAT(text, HasSubstr("unanswered when the run ended: 1"));
  const std::string json = FormatReportJson(report);
  EXPECT_THAT(json, HasSubstr("\"slo_ms\":10,\"total\":{\"start_s\":0.000"));
  EXPECT_THAT(json, HasSubstr("\"errors\":{\"UNAVAILABLE\":1}"));
  EXPECT_THAT(json, HasSubstr("\"unanswered\":1}"));
}

TEST(LoadRecorderTest, WritesIntervalsAndTheLatencyDistributionAsCsv) {
  LoadRecorder recorder(absl::Seconds(1), /*slo_ms=*/10);
  for (int i = 1; i <= 4; ++i) {
    recorder.RecordSent(absl::Milliseconds(100 * i));
    recorder.RecordDone(absl::Milliseconds(100 * i), absl::Milliseconds(i * 5), absl::OkStatus(),
                        "a");
  }
  const LoadReport report = recorder.Report();
  // 5, 10, 15 and 20 ms: the median between 10 and 15, all four by 100%.
  ASSERT_EQ(report.latency_cdf.size(), 103u);
  EXPECT_EQ(report.latency_cdf.front().ms, 5);
  EXPECT_EQ(report.latency_cdf.back().percent, 100);
  EXPECT_EQ(report.latency_cdf.back().ms, 20);
  EXPECT_GE(report.latency_cdf[50].ms, 10);
  EXPECT_LE(report.latency_cdf[50].ms, 15);

  const std::string intervals = FormatIntervalsCsv(report);
  EXPECT_THAT(intervals, ::testing::StartsWith("start_s,offered_qps,achieved_qps,goodput_qps,"));
  EXPECT_THAT(intervals, HasSubstr("\n0,4,4,2,0.5,0.5,0,"));  // two of four within 10 ms
  const std::string cdf = FormatLatencyCdfCsv(report.latency_cdf);
  EXPECT_THAT(cdf, ::testing::StartsWith("percent,ms\n0,5\n"));
  EXPECT_THAT(cdf, ::testing::EndsWith("100,20\n"));
  EXPECT_TRUE(LoadRecorder(absl::Seconds(1), 0).Report().latency_cdf.empty());

  const std::vector<CdfPoint> exact = LatencyCdfOf({20, 5, 15, 10});
  ASSERT_EQ(exact.size(), report.latency_cdf.size());
  EXPECT_EQ(exact.front().ms, 5);
  EXPECT_DOUBLE_EQ(exact[50].ms, 12.5);  // interpolated, as PercentileOf
  EXPECT_EQ(exact.back().ms, 20);
  EXPECT_TRUE(LatencyCdfOf({}).empty());
}

TEST(LoadRecorderTest, CountsGoodputRefusalsAndPredictionError) {
  LoadRecorder recorder(absl::Seconds(1), /*slo_ms=*/10);
  for (int i = 0; i < 4; ++i) recorder.RecordSent(absl::Milliseconds(10 * i));
  recorder.RecordDone(absl::ZeroDuration(), absl::Milliseconds(5), absl::OkStatus(), "a",
                      {.predicted_ms = 4, .measured_ms = 5});
  recorder.RecordDone(absl::Milliseconds(10), absl::Milliseconds(12), absl::OkStatus(), "a",
                      {.predicted_ms = 6, .measured_ms = 12});
  recorder.RecordDone(absl::Milliseconds(20), absl::Microseconds(700),
                      absl::ResourceExhaustedError("overloaded"), "");
  recorder.RecordDone(absl::Milliseconds(30), absl::Milliseconds(9),
                      absl::DeadlineExceededError("dropped"), "");
  const IntervalStats total = recorder.Report().total;
  EXPECT_DOUBLE_EQ(total.goodput_qps, 1);
  EXPECT_DOUBLE_EQ(total.answered_in_slo, 0.5);
  EXPECT_EQ(total.refused, 1);
  EXPECT_NEAR(total.refusal_p99_ms, 0.7, 1e-9);
  EXPECT_NEAR(total.prediction_error_p50, 0.35, 1e-9);  // 0.2 and 0.5
  EXPECT_THAT(FormatReportJson(recorder.Report()), HasSubstr("\"refused\":1"));
}

TEST(LoadRecorderTest, WithoutAnSloEveryAnswerCounts) {
  LoadRecorder recorder(absl::Seconds(1), 0);
  recorder.RecordSent(absl::ZeroDuration());
  recorder.RecordDone(absl::ZeroDuration(), absl::Seconds(3), absl::OkStatus(), "a");
  EXPECT_DOUBLE_EQ(recorder.Report().total.slo_attainment, 1.0);
  EXPECT_EQ(recorder.Last(absl::Milliseconds(1500)).sent, 1);
}

TEST(LoadRecorderTest, KeptOutcomesListEveryQueryByTimeWithTheUnansweredAsLost) {
  LoadRecorder recorder(absl::Seconds(1), 0);
  recorder.RecordSent(absl::ZeroDuration());  // before KeepOutcomes: not kept
  recorder.KeepOutcomes();
  for (int i = 1; i <= 3; ++i) recorder.RecordSent(absl::Milliseconds(100 * i));
  recorder.RecordDone(absl::Milliseconds(300), absl::Milliseconds(4), absl::OkStatus(), "a");
  recorder.RecordDone(absl::Milliseconds(100), absl::Milliseconds(9),
                      absl::UnavailableError("master gone, try\nagain"), "");
  const std::vector<QueryOutcome> outcomes = recorder.Outcomes();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].sent, absl::Milliseconds(100));
  EXPECT_EQ(outcomes[0].code, absl::StatusCode::kUnavailable);
  EXPECT_FALSE(outcomes[1].answered);  // 200 ms: never answered
  EXPECT_TRUE(outcomes[2].answered);
  const std::string csv = FormatOutcomesCsv(outcomes, absl::FromUnixMillis(1000));
  EXPECT_EQ(csv,
            "sent_unix_ms,latency_ms,code,message\n"
            "1100,9.000,UNAVAILABLE,master gone  try again\n"
            "1200,0.000,LOST,\n"
            "1300,4.000,OK,\n");
}

}  // namespace
}  // namespace infaas::loadgen
