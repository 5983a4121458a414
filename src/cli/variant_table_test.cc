#include "cli/variant_table.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "store/testing/sample_records.h"

namespace infaas::cli {
namespace {

TEST(VariantTableTest, OneAlignedRowPerVariantUnderAHeader) {
  v1::VariantRecord measured =
      store::testing::SampleVariant("lenet5_torchscript_cpu1_b8", "lenet5");
  measured.mutable_profile()->set_validation_samples(500);
  measured.mutable_profile()->set_peak_memory_bytes(3 << 20);
  const std::string table = FormatVariantTable({measured});
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(lines[0], "VARIANT  ")) << table;
  EXPECT_TRUE(absl::StartsWith(lines[1], "lenet5_torchscript_cpu1_b8  torchscript")) << table;
  EXPECT_TRUE(absl::StrContains(lines[1], "90.00%")) << table;
  EXPECT_TRUE(absl::StrContains(lines[1], "3.0")) << table;  // MB
  EXPECT_EQ(lines[0].size(), lines[1].size()) << table;
}

TEST(VariantTableTest, MarksAccuracyThatWasNotMeasured) {
  const std::string table = FormatVariantTable({store::testing::SampleVariant("v", "a")});
  EXPECT_TRUE(absl::StrContains(table, "90.00%*")) << table;
  EXPECT_TRUE(absl::StrContains(table, "declared by the uploader")) << table;
}

TEST(VariantTableTest, ALongCatalogueIsCutAtTheLimitWithTheRestCounted) {
  // 25 architectures x 8 variants, as a catalogue at the original's scale.
  std::vector<v1::VariantRecord> variants;
  for (int a = 0; a < 25; ++a) {
    for (int v = 0; v < 8; ++v) {
      v1::VariantRecord r =
          store::testing::SampleVariant(absl::StrCat("arch", a, "_v", v), absl::StrCat("arch", a));
      r.mutable_profile()->mutable_latency(0)->set_median_ms(10.0 - v);
      variants.push_back(r);
    }
  }
  SortForListing(variants);
  EXPECT_EQ(variants[0].config().name(), "arch0_v7");  // fastest of the first architecture
  const std::string table = FormatVariantTable(variants, {}, 50);
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 53u) << table;  // header, 50 rows, the claimed-accuracy note, the rest
  EXPECT_EQ(lines.back(),
            "... and 150 more variants (--limit 0 shows all, --json gives every one to scripts)");
  const std::string all = FormatVariantTable(variants, {}, 0);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 202);  // header, 200 rows, the note
}

}  // namespace
}  // namespace infaas::cli
