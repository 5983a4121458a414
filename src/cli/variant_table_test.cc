#include "cli/variant_table.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
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

}  // namespace
}  // namespace infaas::cli
