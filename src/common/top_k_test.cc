#include "common/top_k.h"

#include <gtest/gtest.h>

#include <cmath>

namespace infaas {
namespace {

TEST(TopKTest, SoftmaxSumsToOneAndSurvivesLargeLogits) {
  const std::vector<double> p = Softmax({1000.0f, 1000.0f});
  EXPECT_DOUBLE_EQ(p[0], 0.5);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
  const std::vector<double> q = Softmax({0.0f, std::log(3.0f)});
  EXPECT_NEAR(q[1], 0.75, 1e-6);
  EXPECT_TRUE(Softmax({}).empty());
}

TEST(TopKTest, TopKIsBestFirstWithStableTiesAndFallbackLabels) {
  const std::vector<ScoredLabel> top = TopK({2.0f, 2.0f, 0.0f, 9.0f}, {"a", "b", "c"}, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].label, "class 3");
  EXPECT_EQ(top[0].index, 3);
  EXPECT_EQ(top[1].label, "a");
  EXPECT_EQ(top[2].label, "b");
  EXPECT_EQ(TopK({1.0f}, {}, 5).size(), 1u);
  EXPECT_TRUE(TopK({1.0f, 2.0f}, {}, 0).empty());
}

}  // namespace
}  // namespace infaas
