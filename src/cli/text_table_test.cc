#include "cli/text_table.h"

#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

TEST(TextTableTest, AlignsNamesLeftAndFiguresRight) {
  EXPECT_EQ(FormatTextTable({{"WORKER", "CORES"}, {"worker-1", "16"}, {"w2", "4"}}, "LR"),
            "WORKER    CORES\n"
            "worker-1     16\n"
            "w2            4\n");
}

TEST(TextTableTest, DropsTrailingSpacesOfALeftAlignedLastColumn) {
  EXPECT_EQ(FormatTextTable({{"A", "LOADED ON"}, {"x", "-"}}, "LL"), "A  LOADED ON\nx  -\n");
}

TEST(TextTableTest, AcceptsShortRows) {
  EXPECT_EQ(FormatTextTable({{"A", "B"}, {"long"}}, "LL"), "A     B\nlong\n");
}

}  // namespace
}  // namespace infaas::cli
