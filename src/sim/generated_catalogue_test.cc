#include "sim/generated_catalogue.h"

#include <gtest/gtest.h>

#include <set>

#include "controller/cluster_snapshot.h"

namespace infaas::sim {
namespace {

TEST(GeneratedCatalogueTest, EveryArchitectureHasThePlannedVariantsWithSaneProfiles) {
  auto catalogue = GenerateCatalogue({.architectures = 30, .seed = 4});
  ASSERT_EQ(catalogue->variants.size(), 30u * 8);
  std::set<std::string> names, architectures;
  for (const v1::VariantRecord& r : catalogue->variants) {
    SCOPED_TRACE(r.config().name());
    names.insert(r.config().name());
    architectures.insert(r.config().architecture());
    const v1::VariantProfile& p = r.profile();
    ASSERT_FALSE(p.latency().empty());
    EXPECT_EQ(p.latency(p.latency_size() - 1).batch_size(), r.config().max_batch_size());
    for (int i = 1; i < p.latency_size(); ++i) {
      // Larger batches take longer, but less per example.
      EXPECT_GT(p.latency(i).median_ms(), p.latency(i - 1).median_ms());
      EXPECT_LT(p.latency(i).median_ms() / p.latency(i).batch_size(),
                p.latency(i - 1).median_ms() / p.latency(i - 1).batch_size());
    }
    EXPECT_GE(p.latency(0).median_ms(), 0.1 / 1.6 - 1e-9);
    EXPECT_LE(p.latency(0).median_ms(), 30 * 1.3 + 1e-9);
    EXPECT_GT(p.load_latency_ms(), 50);
    EXPECT_GT(p.peak_memory_bytes(), 8 << 20);
    EXPECT_GE(p.accuracy_percent(), 70);
    EXPECT_LE(p.accuracy_percent(), 95);
  }
  EXPECT_EQ(names.size(), catalogue->variants.size());
  EXPECT_EQ(architectures.size(), 30u);
  EXPECT_TRUE(architectures.contains(GeneratedArchitecture(29)));
}

TEST(GeneratedCatalogueTest, TheSeedDecidesEverything) {
  auto a = GenerateCatalogue({.architectures = 5, .seed = 9});
  auto b = GenerateCatalogue({.architectures = 5, .seed = 9});
  auto c = GenerateCatalogue({.architectures = 5, .seed = 10});
  ASSERT_EQ(a->variants.size(), b->variants.size());
  for (size_t i = 0; i < a->variants.size(); ++i) {
    EXPECT_EQ(a->variants[i].SerializeAsString(), b->variants[i].SerializeAsString());
  }
  EXPECT_NE(a->variants[0].profile().latency(0).median_ms(),
            c->variants[0].profile().latency(0).median_ms());
}

}  // namespace
}  // namespace infaas::sim
