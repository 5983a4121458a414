#include "cli/tool_aliases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

using ::testing::ElementsAre;

TEST(ToolAliasesTest, MapsEachOriginalToolToItsSubcommand) {
  EXPECT_EQ(SubcommandForAlias("infaas_online_query"), "query");
  EXPECT_EQ(SubcommandForAlias("/opt/infaas/bin/infaas_modelregistration"), "register");
  EXPECT_EQ(SubcommandForAlias("infaas_modarch"), "modarch");
  EXPECT_EQ(SubcommandForAlias("./infaas_modinfo"), "modinfo");
  EXPECT_EQ(SubcommandForAlias("infaas_offline_query"), "offline");
  EXPECT_EQ(AliasNames().size(), 5u);
}

TEST(ToolAliasesTest, LeavesOtherNamesAlone) {
  EXPECT_EQ(SubcommandForAlias("infaas"), std::nullopt);
  EXPECT_EQ(SubcommandForAlias("build/bin/infaas"), std::nullopt);
  EXPECT_EQ(SubcommandForAlias("infaas_online_query.sh"), std::nullopt);
}

TEST(ToolAliasesTest, InsertsTheSubcommandAfterTheProgramName) {
  EXPECT_THAT(ExpandAlias({"bin/infaas_modarch", "classification", "fashion-mnist"}),
              ElementsAre("bin/infaas_modarch", "modarch", "classification", "fashion-mnist"));
  EXPECT_THAT(ExpandAlias({"infaas", "status"}), ElementsAre("infaas", "status"));
  EXPECT_TRUE(ExpandAlias({}).empty());
}

}  // namespace
}  // namespace infaas::cli
