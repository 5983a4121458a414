#include "cli/service_level_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

using ::testing::HasSubstr;

v1::ServiceLevelPoint Point(int64_t second, int within, int late,
                            std::map<std::string, int> refused = {}) {
  v1::ServiceLevelPoint p;
  p.set_at_unix_s(second);
  p.set_answered(within + late);
  p.set_within_target(within);
  p.set_missed_target(late);
  for (const auto& [reason, n] : refused) (*p.mutable_refused())[reason] = n;
  return p;
}

TEST(ServiceLevelTableTest, SumsTheWindowAndCountsRefusalsAsMissed) {
  v1::ServiceLevelSeries s;
  s.set_name("resnet_mini");
  *s.add_points() = Point(900, 50, 0);  // before the window
  *s.add_points() = Point(991, 8, 1, {{"resource_exhausted", 1}});
  *s.add_points() = Point(1000, 10, 0);
  const ServiceLevelTotals t = TotalsOver(s, absl::FromUnixSeconds(1000), absl::Seconds(10));
  EXPECT_EQ(t.answered, 19);
  EXPECT_EQ(t.refused, 1);
  EXPECT_EQ(t.queries(), 20);
  EXPECT_DOUBLE_EQ(t.attainment(), 18.0 / 20);
}

TEST(ServiceLevelTableTest, PrintsRatesAttainmentAndReasons) {
  v1::ClusterStatus status;
  status.set_now_unix_ms(1'000'000);
  v1::ServiceLevelSeries* s = status.add_service_levels();
  s->set_name("lenet5");
  s->set_form("architecture");
  *s->add_points() = Point(999, 9, 1, {{"failed_precondition", 10}});
  v1::ServiceLevelSeries* old = status.add_service_levels();
  old->set_name("vgg_mini");
  *old->add_points() = Point(100, 1, 0);
  const std::string table = FormatServiceLevels(status, absl::Seconds(10));
  EXPECT_THAT(table, HasSubstr("lenet5"));
  EXPECT_THAT(table, HasSubstr("45.0%"));  // 9 of 20
  EXPECT_THAT(table, HasSubstr("2.0"));    // 20 queries in 10 s
  EXPECT_THAT(table, HasSubstr("failed_precondition 10"));
  EXPECT_THAT(table, ::testing::Not(HasSubstr("vgg_mini")));  // nothing in the window

  status.clear_service_levels();
  EXPECT_EQ(FormatServiceLevels(status, absl::Seconds(60)), "no queries in the last 1m\n");
}

}  // namespace
}  // namespace infaas::cli
