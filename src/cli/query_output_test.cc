#include "cli/query_output.h"

#include <gtest/gtest.h>

#include <cmath>

namespace infaas::cli {
namespace {

v1::QueryOnlineResponse ResponseWithTwoOutputs() {
  v1::QueryOnlineResponse r;
  r.set_variant("lenet5_torchscript_cpu1_b8");
  r.set_worker("worker-1");
  r.set_predicted_latency_ms(0.41);
  r.set_measured_latency_ms(0.623);
  r.set_queue_time_ms(0.05);
  for (const char* label : {"T-shirt/top", "Trouser", "Ankle \"boot\""}) r.add_labels(label);
  v1::OutputTensor* first = r.add_outputs();
  for (float v : {0.0f, 1.0f, 5.0f}) first->add_values(v);
  v1::OutputTensor* second = r.add_outputs();
  for (float v : {2.0f, 2.0f, 0.0f}) second->add_values(v);
  return r;
}

TEST(QueryOutputTest, PrintsTopLabelsWithScoresPerInput) {
  EXPECT_EQ(FormatQueryOutput(ResponseWithTwoOutputs(), {"x.png"}, OutputFormat::kTopK, 2),
            "x.png: Ankle \"boot\" 0.976, Trouser 0.018\n"
            "input 1: T-shirt/top 0.468, Trouser 0.468\n");
}

TEST(QueryOutputTest, RawPrintsTheOutputVector) {
  EXPECT_EQ(FormatQueryOutput(ResponseWithTwoOutputs(), {"x.png", "y.png"}, OutputFormat::kRaw, 5),
            "x.png: [0, 1, 5]\ny.png: [2, 2, 0]\n");
}

TEST(QueryOutputTest, JsonHoldsTimingsLabelsAndValues) {
  v1::QueryOnlineResponse r = ResponseWithTwoOutputs();
  r.mutable_outputs()->RemoveLast();
  EXPECT_EQ(FormatQueryOutput(r, {"x.png"}, OutputFormat::kJson, 1),
            "{\"variant\":\"lenet5_torchscript_cpu1_b8\",\"worker\":\"worker-1\","
            "\"predicted_ms\":0.41,\"measured_ms\":0.623,\"queue_ms\":0.05,\"slo_ms\":0,"
            "\"slo_missed\":false,\"loaded\":false,"
            "\"outputs\":[{\"input\":\"x.png\",\"top\":[{\"label\":\"Ankle \\\"boot\\\"\","
            "\"index\":2,\"score\":0.975559}],\"values\":[0,1,5]}]}\n");
}

TEST(QueryOutputTest, SummaryNamesVariantWorkerAndTimings) {
  v1::QueryOnlineResponse r = ResponseWithTwoOutputs();
  EXPECT_EQ(FormatQuerySummary(r),
            "variant lenet5_torchscript_cpu1_b8 on worker-1: 0.62 ms (predicted 0.41 ms, "
            "queue 0.05 ms, cold load: no)");
  r.set_loaded(true);
  EXPECT_NE(FormatQuerySummary(r).find("cold load: yes"), std::string::npos);
}

TEST(QueryOutputTest, SummarySaysWhetherTheTargetWasMet) {
  v1::QueryOnlineResponse r = ResponseWithTwoOutputs();
  r.set_latency_slo_ms(20);
  EXPECT_NE(FormatQuerySummary(r).find("; within the 20 ms target"), std::string::npos);
  r.set_slo_missed(true);
  EXPECT_NE(FormatQuerySummary(r).find("; MISSED the 20 ms target"), std::string::npos);
}

TEST(QueryOutputTest, JsonStringEscapes) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

}  // namespace
}  // namespace infaas::cli
