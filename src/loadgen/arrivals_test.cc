#include "loadgen/arrivals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace infaas::loadgen {
namespace {

using ::testing::HasSubstr;

TEST(RateScheduleTest, ParsesRatesAndDurations) {
  absl::StatusOr<RateSchedule> s = ParseRateSchedule("10qps:30s, 80qps:1m,0.5qps:500ms");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[0].qps, 10);
  EXPECT_EQ((*s)[1].duration, absl::Minutes(1));
  EXPECT_EQ((*s)[2].qps, 0.5);
  EXPECT_EQ(TotalDuration(*s), absl::Seconds(90) + absl::Milliseconds(500));
}

TEST(RateScheduleTest, NamesTheBadPartAndTheExpectedForm) {
  for (const char* bad :
       {"10:30s", "10qps", "fastqps:3s", "10qps:soon", "-1qps:3s", "5qps:0s", ""}) {
    absl::StatusOr<RateSchedule> s = ParseRateSchedule(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_THAT(ParseRateSchedule("10qps:30s,10:30s").status().message(),
              HasSubstr("\"10:30s\" does not parse; write RATEqps:DURATION"));
}

// Found by arrivals_fuzz: "55qps:737095516m" asked PoissonArrivals for 2.4e12
// arrivals (it ran until the fuzzer's timeout); "infqps" and "inf" durations
// never end.
TEST(RateScheduleTest, RefusesRatesAndDurationsThatCannotBeSentInOneRun) {
  for (const char* bad : {"10qps:3s,80qps:3s,55qps:737095516m", "infqps:1s", "nanqps:1s",
                          "10qps:inf", "1e300qps:1s"}) {
    absl::StatusOr<RateSchedule> s = ParseRateSchedule(bad);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseRateSchedule("100000qps:200s").status().message(),
              HasSubstr("sends about 2e+07 queries; at most 1e+07"));
  EXPECT_TRUE(ParseRateSchedule("100qps:3h").ok());
}

TEST(TraceTest, RefusesTimesThatAreNotFinite) {
  EXPECT_EQ(ParseTrace("0.5\ninf\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTrace("nan\n").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PoissonArrivalsTest, FollowsEachPhasesRateAndIsRepeatable) {
  const RateSchedule schedule = {
      {200, absl::Seconds(10)}, {0, absl::Seconds(5)}, {50, absl::Seconds(10)}};
  const std::vector<absl::Duration> a = PoissonArrivals(schedule, 7);
  EXPECT_EQ(a, PoissonArrivals(schedule, 7));
  EXPECT_NE(a, PoissonArrivals(schedule, 8));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  auto count_in = [&a](absl::Duration from, absl::Duration to) {
    return std::count_if(a.begin(), a.end(), [&](absl::Duration t) { return t >= from && t < to; });
  };
  // 2000 and 500 expected; a Poisson count's deviation is about its root.
  EXPECT_NEAR(count_in(absl::ZeroDuration(), absl::Seconds(10)), 2000, 5 * 45);
  EXPECT_EQ(count_in(absl::Seconds(10), absl::Seconds(15)), 0);
  EXPECT_NEAR(count_in(absl::Seconds(15), absl::Seconds(25)), 500, 5 * 23);
  EXPECT_LT(a.back(), absl::Seconds(25));
}

TEST(ArrivalSourceTest, DrawsThePoissonTimesOneAtATime) {
  const RateSchedule schedule = {{.qps = 50, .duration = absl::Seconds(2)},
                                 {.qps = 0, .duration = absl::Seconds(1)},
                                 {.qps = 200, .duration = absl::Seconds(1)}};
  const std::vector<absl::Duration> all = PoissonArrivals(schedule, 11);
  ArrivalSource source(schedule, 11);
  std::vector<absl::Duration> drawn;
  while (std::optional<absl::Duration> t = source.Next()) drawn.push_back(*t);
  EXPECT_EQ(drawn, all);
  EXPECT_FALSE(source.Next().has_value());
}

TEST(ArrivalSourceTest, GammaGapsHaveTheAskedVariationAndRate) {
  ArrivalSource source({{.qps = 1000, .duration = absl::Seconds(200)}}, 5, /*cv=*/4);
  std::vector<double> gaps;
  absl::Duration last;
  while (std::optional<absl::Duration> t = source.Next()) {
    gaps.push_back(absl::ToDoubleSeconds(*t - last));
    last = *t;
  }
  double mean = 0;
  for (double g : gaps) mean += g;
  mean /= static_cast<double>(gaps.size());
  double var = 0;
  for (double g : gaps) var += (g - mean) * (g - mean);
  const double cv = std::sqrt(var / static_cast<double>(gaps.size())) / mean;
  // 200,000 expected arrivals; a heavy tail makes the CV converge slowly.
  EXPECT_NEAR(static_cast<double>(gaps.size()), 200'000, 200'000 * 0.1);
  EXPECT_NEAR(cv, 4, 0.6);
}

TEST(DiurnalScheduleTest, RisesFromTheTroughToThePeakAndAveragesTheMean) {
  const RateSchedule day =
      DiurnalSchedule(100, 0.8, absl::Hours(24), absl::Hours(24), absl::Minutes(10));
  ASSERT_EQ(day.size(), 144u);
  EXPECT_LT(day.front().qps, 25);  // trough: 100 x (1 - 0.8), near
  EXPECT_GT(day[72].qps, 175);     // peak at noon: 100 x 1.8, near
  double sent = 0;
  for (const RatePhase& p : day) sent += p.qps * absl::ToDoubleSeconds(p.duration);
  EXPECT_NEAR(sent / (24 * 3600), 100, 0.5);
  EXPECT_EQ(TotalDuration(day), absl::Hours(24));
}

TEST(TraceTest, ReadsOneArrivalPerLineSkippingCommentsAndSorts) {
  absl::StatusOr<std::vector<absl::Duration>> t = ParseTrace("# seconds\n0.5\n\n0.25\n2\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, (std::vector<absl::Duration>{absl::Milliseconds(250), absl::Milliseconds(500),
                                             absl::Seconds(2)}));
  EXPECT_THAT(ParseTrace("0.1\nsoon\n").status().message(),
              HasSubstr("trace line 2 (\"soon\") is not a time"));
  EXPECT_EQ(ReadTrace("/nonexistent/trace.txt").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace infaas::loadgen
