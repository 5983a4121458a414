#include "backend/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::backend {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TensorTest, ZerosHoldsOneValuePerElementOfItsShape) {
  const Tensor tensor = Tensor::Zeros({2, 1, 3});
  EXPECT_EQ(tensor.NumElements(), 6);
  EXPECT_EQ(tensor.data.size(), 6u);
  EXPECT_TRUE(tensor.IsConsistent());
}

TEST(TensorTest, ATensorWhoseValuesDoNotFillItsShapeIsInconsistent) {
  Tensor tensor = Tensor::Zeros({2, 2});
  tensor.data.pop_back();
  EXPECT_FALSE(tensor.IsConsistent());
}

TEST(TensorTest, ShapeToStringWritesACommaSeparatedList) {
  EXPECT_EQ(ShapeToString(std::vector<int64_t>{1, 28, 28}), "[1,28,28]");
  EXPECT_EQ(ShapeToString(std::vector<int64_t>{}), "[]");
}

TEST(TensorTest, StackExamplesPrependsTheBatchDimension) {
  Tensor a = Tensor::Zeros({2});
  Tensor b = Tensor::Zeros({2});
  a.data = {1, 2};
  b.data = {3, 4};
  absl::StatusOr<Tensor> batch = StackExamples({a, b});
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_THAT(batch->shape, ElementsAre(2, 2));
  EXPECT_THAT(batch->data, ElementsAre(1, 2, 3, 4));
}

TEST(TensorTest, StackExamplesRejectsExamplesOfDifferentShapes) {
  absl::StatusOr<Tensor> batch = StackExamples({Tensor::Zeros({2}), Tensor::Zeros({3})});
  ASSERT_EQ(batch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(batch.status().message(), HasSubstr("example 1 has shape [3]"));
}

TEST(TensorTest, StackExamplesRejectsAnEmptyList) {
  EXPECT_EQ(StackExamples({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TensorTest, ExampleOfReturnsOneExampleWithoutTheBatchDimension) {
  Tensor batch = Tensor::Zeros({2, 2});
  batch.data = {1, 2, 3, 4};
  absl::StatusOr<Tensor> second = ExampleOf(batch, 1);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->shape, ElementsAre(2));
  EXPECT_THAT(second->data, ElementsAre(3, 4));
}

TEST(TensorTest, ExampleOfRejectsAnIndexOutsideTheBatch) {
  EXPECT_EQ(ExampleOf(Tensor::Zeros({2, 2}), 2).status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace infaas::backend
