#include "controller/query_names.h"

#include <gtest/gtest.h>

#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using testing::MakeVariant;

TEST(QueryNamesTest, NamesWhatTheQueryGaveIndexedOrNot) {
  Catalogue scanned;
  scanned.variants = {MakeVariant({.name = "lenet5_onnx_cpu1_b1"})};
  Catalogue indexed = scanned;
  indexed.BuildIndex();
  ASSERT_TRUE(indexed.Indexed());
  ASSERT_FALSE(scanned.Indexed());
  QueryRequirements variant, architecture, family, unknown;
  variant.variant = "lenet5_onnx_cpu1_b1";
  architecture.architecture = "lenet5";
  family.task = "classification";
  family.dataset = "fashion-mnist";
  unknown.architecture = "made-up";
  for (const Catalogue* c : {&scanned, &indexed}) {
    EXPECT_EQ(RequestedModelName(variant, *c), "lenet5_onnx_cpu1_b1");
    EXPECT_EQ(RequestedModelName(architecture, *c), "lenet5");
    EXPECT_EQ(RequestedModelName(family, *c), "classification/fashion-mnist");
    EXPECT_EQ(RequestedModelName(unknown, *c), kUnregisteredModel);
  }
  EXPECT_EQ(QueryFormName(variant), "variant");
  EXPECT_EQ(QueryFormName(architecture), "architecture");
  EXPECT_EQ(QueryFormName(family), "task");
  EXPECT_EQ(FailureReason(absl::ResourceExhaustedError("x")), "resource_exhausted");
}

}  // namespace
}  // namespace infaas::controller
