#include "http/infer_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

namespace infaas::http {
namespace {

using ::testing::HasSubstr;

std::string Floats(std::vector<float> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(InferJsonTest, NestedDataIsFlattenedInRowMajorOrder) {
  auto r = ParseInferRequest(
      R"({"id":"a","parameters":{"latency_ms":20,"min_accuracy":90.5,"flag":true},
          "inputs":[{"name":"input","shape":[1,2,2],"datatype":"FP32","data":[[[1,2],[3,4]]]}]})",
      std::nullopt, "lenet5", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->request.model_name(), "lenet5");
  EXPECT_EQ(r->request.id(), "a");
  EXPECT_EQ(r->request.parameters().at("latency_ms").int64_param(), 20);
  EXPECT_EQ(r->request.parameters().at("min_accuracy").double_param(), 90.5);
  EXPECT_TRUE(r->request.parameters().at("flag").bool_param());
  EXPECT_THAT(r->request.inputs(0).contents().fp32_contents(), ::testing::ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(r->request.inputs(0).shape(), ::testing::ElementsAre(1, 2, 2));
}

TEST(InferJsonTest, NumbersAreReadExactlyAndParametersKeepTheirTypes) {
  auto r = ParseInferRequest(
      R"({"parameters":{"big":18446744073709551615,"neg":-3,"s":"x"},
          "inputs":[{"name":"a","shape":[1,5],"datatype":"FP32",
                     "data":[0.1,-2.5e-3,3.4028234663852886e38,1e-45,7]},
                    {"name":"b","shape":[2],"datatype":"BOOL","data":[true,false]}]})",
      std::nullopt, "m", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->request.parameters().at("big").uint64_param(), 18446744073709551615u);
  EXPECT_EQ(r->request.parameters().at("neg").int64_param(), -3);
  EXPECT_EQ(r->request.parameters().at("s").string_param(), "x");
  EXPECT_THAT(r->request.inputs(0).contents().fp32_contents(),
              ::testing::ElementsAre(0.1f, -2.5e-3f, 3.4028234663852886e38f, 1e-45f, 7.0f));
  EXPECT_THAT(r->request.inputs(1).contents().bool_contents(), ::testing::ElementsAre(true, false));
}

TEST(InferJsonTest, Base64BytesAreDecoded) {
  auto r = ParseInferRequest(
      R"({"inputs":[{"name":"input","shape":[1],"datatype":"BYTES",
          "parameters":{"content_type":"base64"},"data":["aGVsbG8="]}]})",
      std::nullopt, "m", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->request.inputs(0).contents().bytes_contents(0), "hello");
}

TEST(InferJsonTest, BinaryInputsFollowTheJsonHeader) {
  const std::string header =
      R"({"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}],)"
      R"("outputs":[{"name":"logits","parameters":{"binary_data":true}}]})";
  auto r = ParseInferRequest(header + Floats({1.5f, -2}), header.size(), "m", "1");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->request.raw_input_contents_size(), 1);
  EXPECT_EQ(r->request.raw_input_contents(0), Floats({1.5f, -2}));
  EXPECT_FALSE(r->request.inputs(0).has_contents());
  EXPECT_EQ(r->request.model_version(), "1");
  EXPECT_EQ(r->binary_outputs.count("logits"), 1u);
}

TEST(InferJsonTest, BinaryHeaderLiesAreRejectedPrecisely) {
  const std::string header =
      R"({"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}]})";
  const std::string body = header + Floats({1, 2});
  EXPECT_THAT(ParseInferRequest(body, body.size() + 1, "m", "").status().message(),
              HasSubstr("Inference-Header-Content-Length is"));
  EXPECT_THAT(
      ParseInferRequest(body.substr(0, body.size() - 1), header.size(), "m", "").status().message(),
      HasSubstr("only 7 bytes of binary data remain"));
  EXPECT_THAT(
      ParseInferRequest(body + "xx", header.size(), "m", "").status().message(),
      HasSubstr("10 bytes after the JSON header but the inputs' binary_data_size add up to 8"));
  EXPECT_THAT(ParseInferRequest(body, header.size() - 3, "m", "").status().message(),
              HasSubstr("not valid JSON"));
  EXPECT_FALSE(ParseHeaderLength("12a").ok());
  EXPECT_EQ(*ParseHeaderLength("42"), 42u);
}

TEST(InferJsonTest, MalformedBodiesNameTheField) {
  auto error = [](const std::string& body) {
    return std::string(ParseInferRequest(body, std::nullopt, "m", "").status().message());
  };
  EXPECT_THAT(error("{"), HasSubstr("not valid JSON"));
  EXPECT_THAT(error("[]"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(error("{}"), HasSubstr("needs an \"inputs\" array"));
  EXPECT_THAT(error(R"({"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]})"),
              HasSubstr("inputs[0]: needs a string \"name\""));
  EXPECT_THAT(error(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[true]}]})"),
              HasSubstr("datatype FP32 needs numbers; element 0 is boolean"));
  EXPECT_THAT(error(R"({"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":[1]}]})"),
              HasSubstr("datatype BYTES needs strings"));
  EXPECT_THAT(error(R"({"inputs":[{"name":"x","shape":[1.5],"datatype":"FP32","data":[1]}]})"),
              HasSubstr("\"shape\" must hold integers"));
  EXPECT_THAT(error(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32"}]})"),
              HasSubstr("needs \"data\""));
  EXPECT_THAT(error(R"({"parameters":{"p":[1]},"inputs":[]})"),
              HasSubstr("parameter \"p\" must be a boolean, number or string"));
  EXPECT_THAT(error(std::string(100, '[') + std::string(100, ']')),
              HasSubstr("must be a JSON object"));
  const std::string deep = R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":)" +
                           std::string(40, '[') + "1" + std::string(40, ']') + "}]}";
  EXPECT_THAT(error(deep), HasSubstr("nested too deeply"));
}

TEST(InferJsonTest, RendersJsonOrBinaryOutputs) {
  inference::ModelInferResponse response;
  response.set_model_name("lenet5");
  response.set_model_version("1");
  (*response.mutable_parameters())["variant"].set_string_param("lenet5_torchscript_cpu1_b8");
  auto* out = response.add_outputs();
  out->set_name("logits");
  out->set_datatype("FP32");
  out->add_shape(1);
  out->add_shape(2);
  out->mutable_contents()->add_fp32_contents(0.5f);
  out->mutable_contents()->add_fp32_contents(-1);

  HttpInferRequest json_request;
  HttpInferBody as_json = RenderInferResponse(response, json_request);
  EXPECT_FALSE(as_json.json_length.has_value());
  EXPECT_EQ(as_json.body,
            R"({"model_name":"lenet5","model_version":"1","outputs":[{"data":[0.5,-1.0],)"
            R"("datatype":"FP32","name":"logits","shape":[1,2]}],)"
            R"("parameters":{"variant":"lenet5_torchscript_cpu1_b8"}})");

  HttpInferRequest binary_request;
  binary_request.binary_output_all = true;
  HttpInferBody as_binary = RenderInferResponse(response, binary_request);
  ASSERT_TRUE(as_binary.json_length.has_value());
  EXPECT_THAT(as_binary.body.substr(0, *as_binary.json_length),
              HasSubstr(R"("parameters":{"binary_data_size":8})"));
  EXPECT_EQ(as_binary.body.substr(*as_binary.json_length), Floats({0.5f, -1}));
}

}  // namespace
}  // namespace infaas::http
