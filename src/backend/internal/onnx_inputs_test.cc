#include "backend/internal/onnx_inputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "backend/testing/zoo.h"

namespace infaas::backend::internal {
namespace {

using ::testing::ElementsAre;

TEST(OnnxInputsTest, AZooModelDeclaresOneInputWithAVariableBatch) {
  const std::string bytes = testing::ReadBytes(testing::ZooDir() / "lenet5" / "lenet5.onnx");
  absl::StatusOr<std::vector<OnnxInput>> inputs = OnnxGraphInputs(bytes);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 1u);
  EXPECT_EQ(inputs->front().name, "input");
  EXPECT_THAT(inputs->front().dims, ElementsAre(-1, 1, 28, 28));
}

TEST(OnnxInputsTest, TheHandMadeTestModelDeclaresItsInput) {
  const std::string bytes =
      testing::ReadBytes(testing::SourceDir() / "src" / "backend" / "testdata" / "hardmax.onnx");
  absl::StatusOr<std::vector<OnnxInput>> inputs = OnnxGraphInputs(bytes);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 1u);
  EXPECT_THAT(inputs->front().dims, ElementsAre(-1, 1, 28, 28));
}

TEST(OnnxInputsTest, BytesThatAreNotProtobufAreRejected) {
  EXPECT_EQ(OnnxGraphInputs(std::string(64, '\xff')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OnnxGraphInputs("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OnnxInputsTest, ATruncatedFileIsRejected) {
  const std::string bytes = testing::ReadBytes(testing::ZooDir() / "lenet5" / "lenet5.onnx");
  EXPECT_FALSE(OnnxGraphInputs(bytes.substr(0, bytes.size() / 2)).ok());
}

}  // namespace
}  // namespace infaas::backend::internal
