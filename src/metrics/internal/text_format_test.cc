#include "metrics/internal/text_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace infaas::metrics::internal {
namespace {

TEST(TextFormatTest, FormatsNumbersShortestAndInfinitiesAsPrometheusSpellsThem) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(TextFormatTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeHelp("x\\y\n\"z\""), "x\\\\y\\n\"z\"");
}

TEST(TextFormatTest, WritesOneSampleLineWithOrWithoutLabels) {
  EXPECT_EQ(SampleLine("up", {}, {}, 1), "up 1\n");
  EXPECT_EQ(SampleLine("x_total", {"model", "version"}, {"m\"1", "1"}, 2.5),
            "x_total{model=\"m\\\"1\",version=\"1\"} 2.5\n");
}

TEST(TextFormatTest, AcceptsPrometheusNamesAndRejectsTheRest) {
  EXPECT_TRUE(IsValidMetricName("nv_inference_count_total"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("model"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("le"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

}  // namespace
}  // namespace infaas::metrics::internal
