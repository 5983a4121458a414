#include "backend/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "backend/testing/zoo.h"

namespace infaas::backend {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A valid ONNX config; tests break one field at a time.
constexpr absl::string_view kGoodConfig = R"text(
  name: "tiny_onnx"
  framework: FRAMEWORK_ONNX
  model_file: "tiny.onnx"
  input { name: "input" dtype: DTYPE_FP32 dims: [ 1, 28, 28 ] }
  output { name: "logits" dtype: DTYPE_FP32 dims: [ 10 ] }
  preprocessing { color: COLOR_GRAY width: 28 height: 28 mean: [ 0.5 ] std: [ 0.5 ] }
  max_batch_size: 8
)text";

class ModelConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::NewScratchDir("config");
    testing::WriteBytes(dir_ / "tiny.onnx", "not really a model, never loaded here");
  }

  // Writes `text` as config.pbtxt and loads it.
  absl::StatusOr<v1::ModelConfig> Load(absl::string_view text) {
    testing::WriteBytes(dir_ / "config.pbtxt", text);
    return LoadModelConfig(dir_ / "config.pbtxt");
  }

  // Loads kGoodConfig with `from` replaced by `to`; expects InvalidArgument
  // and returns the message.
  std::string ErrorWith(absl::string_view from, absl::string_view to) {
    const std::string text = absl::StrReplaceAll(kGoodConfig, {{from, to}});
    EXPECT_NE(text, std::string(kGoodConfig)) << "the test's replacement matched nothing";
    absl::StatusOr<v1::ModelConfig> config = Load(text);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
    return std::string(config.status().message());
  }

  std::string ConfigPath() const { return (dir_ / "config.pbtxt").string(); }

  std::filesystem::path dir_;
};

TEST_F(ModelConfigTest, EveryZooConfigLoadsAndValidates) {
  const auto dirs = testing::ZooArchitectureDirs();
  ASSERT_FALSE(dirs.empty()) << "no models in " << testing::ZooDir();
  for (const auto& dir : dirs) {
    for (const char* file : {"config.pbtxt", "config_onnx.pbtxt"}) {
      absl::StatusOr<v1::ModelConfig> config = LoadModelConfig(dir / file);
      EXPECT_TRUE(config.ok()) << config.status();
    }
  }
}

TEST_F(ModelConfigTest, AValidConfigLoadsWithItsFields) {
  absl::StatusOr<v1::ModelConfig> config = Load(kGoodConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name(), "tiny_onnx");
  EXPECT_EQ(config->framework(), v1::FRAMEWORK_ONNX);
  EXPECT_EQ(EffectiveMaxBatchSize(*config), 8);
  EXPECT_EQ(EffectiveCpuThreads(*config), 1);
}

TEST_F(ModelConfigTest, AMissingConfigFileIsNotFound) {
  EXPECT_EQ(LoadModelConfig(dir_ / "absent.pbtxt").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ModelConfigTest, ASyntaxErrorNamesTheFileLineAndColumn) {
  const std::string message = ErrorWith("max_batch_size: 8", "max_batch_size: eight");
  EXPECT_THAT(message, HasSubstr(absl::StrCat(ConfigPath(), ":8:")));
}

TEST_F(ModelConfigTest, AnUnknownFieldIsRejected) {
  EXPECT_THAT(ErrorWith("max_batch_size: 8", "max_batch: 8"),
              AllOf(HasSubstr(ConfigPath()), HasSubstr("max_batch")));
}

TEST_F(ModelConfigTest, ANameWithASpaceIsRejected) {
  EXPECT_THAT(ErrorWith("\"tiny_onnx\"", "\"tiny onnx\""),
              AllOf(HasSubstr(ConfigPath()), HasSubstr("name"), HasSubstr("' '")));
}

TEST_F(ModelConfigTest, AMissingFrameworkIsRejected) {
  EXPECT_THAT(ErrorWith("framework: FRAMEWORK_ONNX", ""),
              AllOf(HasSubstr(ConfigPath()), HasSubstr("framework is not set")));
}

TEST_F(ModelConfigTest, EmptyInputDimsAreRejected) {
  EXPECT_THAT(ErrorWith("dtype: DTYPE_FP32 dims: [ 1, 28, 28 ]", "dtype: DTYPE_FP32"),
              AllOf(HasSubstr(ConfigPath()), HasSubstr("input.dims is empty")));
}

TEST_F(ModelConfigTest, AZeroDimensionIsRejected) {
  EXPECT_THAT(ErrorWith("dims: [ 10 ]", "dims: [ 0 ]"),
              AllOf(HasSubstr("output.dims"), HasSubstr("the dimension 0")));
}

TEST_F(ModelConfigTest, ANonFloatInputIsRejected) {
  EXPECT_THAT(ErrorWith("name: \"input\" dtype: DTYPE_FP32", "name: \"input\" dtype: DTYPE_UINT8"),
              AllOf(HasSubstr("input.dtype"), HasSubstr("DTYPE_UINT8")));
}

TEST_F(ModelConfigTest, AModelFileThatDoesNotExistIsRejected) {
  EXPECT_THAT(ErrorWith("\"tiny.onnx\"", "\"absent.onnx\""),
              AllOf(HasSubstr(ConfigPath()), HasSubstr("model_file"), HasSubstr("absent.onnx")));
}

TEST_F(ModelConfigTest, AnEmptyModelFileIsRejected) {
  EXPECT_THAT(ErrorWith("model_file: \"tiny.onnx\"", ""), HasSubstr("model_file is empty"));
}

TEST_F(ModelConfigTest, AModelFileOutsideTheModelFolderIsRejected) {
  EXPECT_THAT(ErrorWith("\"tiny.onnx\"", "\"../tiny.onnx\""),
              AllOf(HasSubstr("model_file"), HasSubstr("leaves the model folder")));
}

TEST_F(ModelConfigTest, ACaffeModelWithoutItsPrototxtIsRejected) {
  EXPECT_THAT(ErrorWith("FRAMEWORK_ONNX", "FRAMEWORK_CAFFE"),
              HasSubstr("model_description_file is empty"));
}

TEST_F(ModelConfigTest, AColourWhoseChannelsDisagreeWithTheInputDimsIsRejected) {
  EXPECT_THAT(
      ErrorWith("COLOR_GRAY", "COLOR_RGB"),
      AllOf(HasSubstr("preprocessing.color"), HasSubstr("3 channels"), HasSubstr("starts with 1")));
}

TEST_F(ModelConfigTest, AnImageSizeThatDisagreesWithTheInputDimsIsRejected) {
  EXPECT_THAT(ErrorWith("width: 28", "width: 32"),
              AllOf(HasSubstr("preprocessing.width"), HasSubstr("is 32 but input.dims says 28")));
}

TEST_F(ModelConfigTest, AShorterSideResizeNeedsACentreCropAndABoundedSize) {
  EXPECT_THAT(
      ErrorWith("width: 28", "resize_shorter_side: 32 width: 28"),
      AllOf(HasSubstr("preprocessing.resize_shorter_side"), HasSubstr("needs center_crop: true")));
  EXPECT_THAT(ErrorWith("width: 28", "resize_shorter_side: 100000 center_crop: true width: 28"),
              HasSubstr("is 100000; give 0 (no resize) to 8192 pixels"));
  EXPECT_TRUE(Load(absl::StrReplaceAll(kGoodConfig, {{"width: 28",
                                                      "resize_shorter_side: 32 center_crop: true "
                                                      "width: 28"}}))
                  .ok());
}

TEST_F(ModelConfigTest, MeanWithTheWrongNumberOfValuesIsRejected) {
  EXPECT_THAT(ErrorWith("mean: [ 0.5 ]", "mean: [ 0.5, 0.5 ]"),
              AllOf(HasSubstr("preprocessing.mean"), HasSubstr("has 2 values")));
}

TEST_F(ModelConfigTest, AZeroStandardDeviationIsRejected) {
  EXPECT_THAT(ErrorWith("std: [ 0.5 ]", "std: [ 0 ]"), HasSubstr("preprocessing.std"));
}

TEST_F(ModelConfigTest, ANegativeMaxBatchSizeIsRejected) {
  EXPECT_THAT(ErrorWith("max_batch_size: 8", "max_batch_size: -2"),
              HasSubstr("max_batch_size is negative"));
}

TEST_F(ModelConfigTest, AnAccuracyAbove100PercentIsRejected) {
  EXPECT_THAT(ErrorWith("max_batch_size: 8", "max_batch_size: 8 declared_accuracy_percent: 120"),
              HasSubstr("declared_accuracy_percent"));
}

TEST_F(ModelConfigTest, AMissingLabelFileIsRejected) {
  EXPECT_THAT(ErrorWith("max_batch_size: 8", "max_batch_size: 8 label_file: \"labels.txt\""),
              AllOf(HasSubstr("label_file"), HasSubstr("labels.txt")));
}

TEST(ChannelsOfTest, GreyHasOneChannelAndEveryOtherModeThree) {
  EXPECT_EQ(ChannelsOf(v1::Preprocessing::COLOR_GRAY), 1);
  EXPECT_EQ(ChannelsOf(v1::Preprocessing::COLOR_RGB), 3);
  EXPECT_EQ(ChannelsOf(v1::Preprocessing::COLOR_BGR), 3);
  EXPECT_EQ(ChannelsOf(v1::Preprocessing::COLOR_UNSPECIFIED), 3);
}

}  // namespace
}  // namespace infaas::backend
