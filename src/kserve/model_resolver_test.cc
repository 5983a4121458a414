#include "kserve/model_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kserve/testing/test_catalogue.h"

namespace infaas::kserve {
namespace {

using ::testing::HasSubstr;

TEST(ModelResolverTest, ResolvesVariantsThenArchitecturesThenFamilies) {
  auto catalogue = TwoArchitectureCatalogue();
  auto variant = ResolveModel("lenet5_torchscript_cpu1_b8", catalogue);
  ASSERT_TRUE(variant.ok()) << variant.status();
  EXPECT_EQ(variant->kind, ModelKind::kVariant);
  EXPECT_EQ(variant->variants.size(), 1u);

  auto arch = ResolveModel("lenet5", catalogue);
  ASSERT_TRUE(arch.ok());
  EXPECT_EQ(arch->kind, ModelKind::kArchitecture);
  EXPECT_EQ(arch->variants.size(), 2u);

  auto family = ResolveModel("classification/fashion-mnist", catalogue);
  ASSERT_TRUE(family.ok());
  EXPECT_EQ(family->kind, ModelKind::kFamily);
  EXPECT_EQ(family->variants.size(), 3u);
  v1::QueryOnlineRequest query;
  SetQueryForm(*family, &query);
  EXPECT_EQ(query.task(), "classification");
  EXPECT_EQ(query.dataset(), "fashion-mnist");
}

TEST(ModelResolverTest, UnknownNamesAndVersionsAreNotFoundWithWhatExists) {
  auto catalogue = TwoArchitectureCatalogue();
  auto unknown = ResolveModel("resnet50", catalogue);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("architectures: lenet5, linear; families: classification/fashion-mnist"));
  EXPECT_FALSE(ResolveModel("classification/mnist", catalogue).ok());
  auto arch = ResolveModel("lenet5", catalogue);
  EXPECT_TRUE(CheckModelVersion(*arch, "").ok());
  EXPECT_TRUE(CheckModelVersion(*arch, "1").ok());
  EXPECT_EQ(CheckModelVersion(*arch, "2").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace infaas::kserve
