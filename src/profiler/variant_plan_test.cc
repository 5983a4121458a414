#include "profiler/variant_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::profiler {
namespace {

using ::testing::ElementsAre;

v1::ModelConfig BaseConfig() {
  v1::ModelConfig c;
  c.set_name("lenet5");
  c.set_task("classification");
  c.set_dataset("fashion-mnist");
  c.set_architecture("lenet5");
  c.set_framework(v1::FRAMEWORK_TORCHSCRIPT);
  c.set_model_file("lenet5.pt");
  c.set_max_batch_size(8);
  c.set_declared_accuracy_percent(90.5);
  return c;
}

// Latency that scales with batch: per_example * b.
InstanceMeasurement Measured(v1::Framework f, int threads, double per_example_ms) {
  InstanceMeasurement m;
  m.framework = f;
  m.model_file = f == v1::FRAMEWORK_ONNX ? "lenet5.onnx" : "lenet5.pt";
  m.cpu_threads = threads;
  m.load_latency_ms = 30;
  m.memory_bytes = 1 << 20;
  for (int b : {1, 2, 4, 8}) {
    v1::BatchLatency l;
    l.set_batch_size(b);
    l.set_median_ms(per_example_ms * b);
    l.set_p99_ms(per_example_ms * b * 1.5);
    m.latency.push_back(l);
  }
  return m;
}

std::vector<std::string> Names(const std::vector<v1::VariantRecord>& records) {
  std::vector<std::string> names;
  for (const auto& r : records) names.push_back(r.config().name());
  return names;
}

TEST(VariantPlanTest, NamesFollowTheInfaasStyle) {
  EXPECT_EQ(VariantName("lenet5", v1::FRAMEWORK_TORCHSCRIPT, 2, 8), "lenet5_torchscript_cpu2_b8");
  EXPECT_EQ(VariantName("mlp", v1::FRAMEWORK_ONNX, 1, 1), "mlp_onnx_cpu1_b1");
}

TEST(VariantPlanTest, TriesPowersOfTwoUpToTheLimit) {
  EXPECT_THAT(ThreadCountsToTry(1), ElementsAre(1));
  EXPECT_THAT(ThreadCountsToTry(2), ElementsAre(1, 2));
  EXPECT_THAT(ThreadCountsToTry(6), ElementsAre(1, 2, 4, 6));
  EXPECT_THAT(BatchSizesToMeasure(8), ElementsAre(1, 2, 4, 8));
  EXPECT_THAT(BatchSizesToMeasure(1), ElementsAre(1));
  EXPECT_THAT(MaxBatchSizesToOffer(8), ElementsAre(1, 8));
  EXPECT_THAT(MaxBatchSizesToOffer(1), ElementsAre(1));
}

TEST(VariantPlanTest, KeepsASecondThreadOnlyWhenItPays) {
  // Torch gets 1.8x faster with 2 threads; ONNX only 1.05x.
  std::vector<InstanceMeasurement> measured = {
      Measured(v1::FRAMEWORK_TORCHSCRIPT, 1, 1.0), Measured(v1::FRAMEWORK_TORCHSCRIPT, 2, 0.55),
      Measured(v1::FRAMEWORK_ONNX, 1, 1.2), Measured(v1::FRAMEWORK_ONNX, 2, 1.14)};
  EXPECT_THAT(Names(PlanVariants(BaseConfig(), measured)),
              ElementsAre("lenet5_onnx_cpu1_b1", "lenet5_onnx_cpu1_b8",
                          "lenet5_torchscript_cpu1_b1", "lenet5_torchscript_cpu1_b8",
                          "lenet5_torchscript_cpu2_b1", "lenet5_torchscript_cpu2_b8"));
}

TEST(VariantPlanTest, RecordsCarryTheirOwnConfigAndProfile) {
  std::vector<v1::VariantRecord> records =
      PlanVariants(BaseConfig(), {Measured(v1::FRAMEWORK_ONNX, 1, 2.0)});
  ASSERT_EQ(records.size(), 2u);
  const v1::VariantRecord& b1 = records[0];
  EXPECT_EQ(b1.config().name(), "lenet5_onnx_cpu1_b1");
  EXPECT_EQ(b1.config().framework(), v1::FRAMEWORK_ONNX);
  EXPECT_EQ(b1.config().model_file(), "lenet5.onnx");
  EXPECT_EQ(b1.config().max_batch_size(), 1);
  EXPECT_EQ(b1.profile().variant(), "lenet5_onnx_cpu1_b1");
  ASSERT_EQ(b1.profile().latency_size(), 1);  // only batch 1 applies
  const v1::VariantRecord& b8 = records[1];
  EXPECT_EQ(b8.config().max_batch_size(), 8);
  EXPECT_EQ(b8.profile().latency_size(), 4);
  EXPECT_DOUBLE_EQ(b8.profile().latency(3).median_ms(), 16.0);
  EXPECT_DOUBLE_EQ(b8.profile().load_latency_ms(), 30);
  // Nothing measured: the declared accuracy is recorded, with 0 samples.
  EXPECT_DOUBLE_EQ(b8.profile().accuracy_percent(), 90.5);
  EXPECT_EQ(b8.profile().validation_samples(), 0);
}

TEST(VariantPlanTest, MeasuredAccuracyReplacesTheDeclaredOne) {
  InstanceMeasurement m = Measured(v1::FRAMEWORK_TORCHSCRIPT, 1, 1.0);
  m.accuracy_percent = 88.25;
  m.validation_samples = 500;
  std::vector<v1::VariantRecord> records = PlanVariants(BaseConfig(), {m});
  EXPECT_DOUBLE_EQ(records[0].profile().accuracy_percent(), 88.25);
  EXPECT_EQ(records[0].profile().validation_samples(), 500);
}

TEST(VariantPlanTest, AMaxBatchOfOneGivesOneVariantPerInstance) {
  v1::ModelConfig c = BaseConfig();
  c.set_max_batch_size(1);
  EXPECT_THAT(Names(PlanVariants(c, {Measured(v1::FRAMEWORK_TORCHSCRIPT, 1, 1.0)})),
              ElementsAre("lenet5_torchscript_cpu1_b1"));
}

}  // namespace
}  // namespace infaas::profiler
