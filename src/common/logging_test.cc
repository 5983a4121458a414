#include "common/logging.h"

#include <gtest/gtest.h>

namespace infaas {
namespace {

TEST(LoggingTest, FormatsEventWithKeyValueContext) {
  EXPECT_EQ(FormatLogLine("variant loaded", {{"variant", "lenet5_cpu1"}, {"worker", "w1"}}),
            "variant loaded variant=lenet5_cpu1 worker=w1");
}

TEST(LoggingTest, QuotesValuesWithSpacesOrQuotes) {
  EXPECT_EQ(FormatLogLine("failed", {{"error", "file not found"}}),
            "failed error=\"file not found\"");
  EXPECT_EQ(FormatLogLine("x", {{"v", "say \"hi\""}}), "x v=\"say \\\"hi\\\"\"");
  EXPECT_EQ(FormatLogLine("x", {{"v", ""}}), "x v=\"\"");
}

TEST(LoggingTest, ParsesLevels) {
  EXPECT_EQ(ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("bogus"), LogLevel::kInfo);
}

TEST(LoggingTest, LogDoesNotThrowAtAnyLevel) {
  InitLogging("test", LogLevel::kDebug);
  LogDebug("debug line", {{"k", "v"}});
  LogInfo("info line");
  LogWarning("warning line");
  LogError("error line");
  SetLogLevel(LogLevel::kError);
  LogInfo("filtered");
  SUCCEED();
}

}  // namespace
}  // namespace infaas
