#include "kserve/infer_translation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "kserve/testing/test_catalogue.h"

namespace infaas::kserve {
namespace {

using ::testing::HasSubstr;

inference::ModelInferRequest Fp32Request(std::vector<int64_t> shape, int values) {
  inference::ModelInferRequest r;
  r.set_model_name("lenet5");
  auto* in = r.add_inputs();
  in->set_name("input");
  in->set_datatype("FP32");
  for (int64_t d : shape) in->add_shape(d);
  for (int i = 0; i < values; ++i) in->mutable_contents()->add_fp32_contents(i);
  return r;
}

absl::StatusOr<v1::QueryOnlineRequest> Translate(const inference::ModelInferRequest& r) {
  auto model = ResolveModel(r.model_name(), TwoArchitectureCatalogue());
  auto options = ParseInferOptions(r.parameters());
  if (!options.ok()) return options.status();
  return ToQuery(r, *model, *options);
}

TEST(InferTranslationTest, Fp32BatchBecomesOneRawInputPerExample) {
  auto q = Translate(Fp32Request({2, 1, 28, 28}, 2 * 784));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->architecture(), "lenet5");
  ASSERT_EQ(q->inputs_size(), 2);
  EXPECT_EQ(q->inputs(1).raw_fp32().size(), 784 * sizeof(float));
  float first = 0;
  std::memcpy(&first, q->inputs(1).raw_fp32().data(), 4);
  EXPECT_EQ(first, 784);
  EXPECT_THAT(q->input_dims(), ::testing::ElementsAre(1, 28, 28));
  EXPECT_EQ(q->latency_slo_ms(), 10000);  // no latency_ms: the default budget
}

TEST(InferTranslationTest, RawBytesAreSplitIntoImages) {
  inference::ModelInferRequest r;
  r.set_model_name("lenet5_torchscript_cpu1_b8");
  auto* in = r.add_inputs();
  in->set_name("input");
  in->set_datatype("BYTES");
  in->add_shape(2);
  r.add_raw_input_contents(std::string("\x02\0\0\0ab\x01\0\0\0c", 11));
  auto q = Translate(r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->variant(), "lenet5_torchscript_cpu1_b8");
  ASSERT_EQ(q->inputs_size(), 2);
  EXPECT_EQ(q->inputs(0).encoded_image(), "ab");
  EXPECT_EQ(q->inputs(1).encoded_image(), "c");
  r.set_raw_input_contents(0, std::string("\x05\0\0\0ab", 6));
  EXPECT_THAT(Translate(r).status().message(), HasSubstr("declares 5 bytes but only 2 remain"));
}

TEST(InferTranslationTest, MismatchesNameWhatWasWrongAndWhatFits) {
  EXPECT_THAT(Translate(Fp32Request({1, 1, 28, 28}, 3)).status().message(),
              HasSubstr("shape [1,1,28,28] holds 784 FP32 values; the request has 3"));
  EXPECT_THAT(
      Translate(Fp32Request({1, 784}, 784)).status().message(),
      HasSubstr("does not fit; model \"lenet5\" takes one input \"input\": FP32 [-1,1,28,28]"));
  EXPECT_THAT(Translate(Fp32Request({784}, 784)).status().message(),
              HasSubstr("needs a batch dimension first"));
  auto wrong_type = Fp32Request({1, 1, 28, 28}, 784);
  wrong_type.mutable_inputs(0)->set_datatype("UINT8");
  EXPECT_THAT(Translate(wrong_type).status().message(), HasSubstr("\"UINT8\" is not accepted"));
  auto wrong_output = Fp32Request({1, 1, 28, 28}, 784);
  wrong_output.add_outputs()->set_name("probabilities");
  EXPECT_THAT(Translate(wrong_output).status().message(),
              HasSubstr("has no output \"probabilities\"; it has \"logits\""));
  auto bad_parameter = Fp32Request({1, 1, 28, 28}, 784);
  (*bad_parameter.mutable_parameters())["min_accuracy"].set_double_param(120);
  EXPECT_THAT(Translate(bad_parameter).status().message(), HasSubstr("between 0 and 100"));
}

// A batch dimension of 2^62 once overflowed the element count (signed
// overflow, then a size check that compared against the wrapped value).
TEST(InferTranslationTest, AShapeBeyondTheElementCapIsRefusedBeforeAnyCount) {
  auto q = Translate(Fp32Request({int64_t{1} << 62, 1, 28, 28}, 4));
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(q.status().message(), HasSubstr("holds more than 67108864 elements"));
  q = Translate(Fp32Request({int64_t{1} << 20, 1, 28, 28}, 4));
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(InferTranslationTest, ParametersSetTheRequirementsAndBudget) {
  auto r = Fp32Request({1, 1, 28, 28}, 784);
  r.set_model_name("classification/fashion-mnist");
  (*r.mutable_parameters())["latency_ms"].set_int64_param(20);
  (*r.mutable_parameters())["min_accuracy"].set_double_param(90);
  (*r.mutable_parameters())["timeout"].set_uint64_param(500000);
  auto q = Translate(r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->task(), "classification");
  EXPECT_EQ(q->latency_slo_ms(), 20);
  EXPECT_EQ(q->min_accuracy_percent(), 90);
  EXPECT_EQ(ParseInferOptions(r.parameters())->budget, absl::Milliseconds(500));
}

TEST(InferTranslationTest, ResponseCarriesShapeVariantAndRawOrTypedOutputs) {
  v1::QueryOnlineResponse answer;
  answer.set_variant("lenet5_torchscript_cpu1_b8");
  answer.set_worker("worker-1");
  answer.set_batch_size(3);
  for (int i = 0; i < 2; ++i) {
    v1::OutputTensor* t = answer.add_outputs();
    for (int k = 0; k < 10; ++k) t->add_values(static_cast<float>(i * 10 + k));
  }
  inference::ModelInferRequest request = Fp32Request({2, 1, 28, 28}, 0);
  request.set_id("x");
  const v1::VariantRecord served = TestVariant("lenet5_torchscript_cpu1_b8", "lenet5");
  inference::ModelInferResponse typed = ToInferResponse(request, answer, served, false);
  EXPECT_EQ(typed.id(), "x");
  EXPECT_EQ(typed.parameters().at("variant").string_param(), "lenet5_torchscript_cpu1_b8");
  EXPECT_EQ(typed.parameters().at("batch_size").int64_param(), 3);
  EXPECT_THAT(typed.outputs(0).shape(), ::testing::ElementsAre(2, 10));
  EXPECT_EQ(typed.outputs(0).contents().fp32_contents(19), 19);
  inference::ModelInferResponse raw = ToInferResponse(request, answer, served, true);
  ASSERT_EQ(raw.raw_output_contents_size(), 1);
  EXPECT_EQ(raw.raw_output_contents(0).size(), 20 * sizeof(float));
  EXPECT_EQ(raw.outputs(0).contents().fp32_contents_size(), 0);
}

}  // namespace
}  // namespace infaas::kserve
