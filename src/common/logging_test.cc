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

TEST(LoggingTest, EscapesControlCharactersSoAValueCannotForgeALine) {
  EXPECT_EQ(FormatLogLine("unknown model", {{"model", "x\n[error] forged\r\x01\\"}}),
            "unknown model model=\"x\\n[error] forged\\r\\x01\\\\\"");
}

TEST(LoggingTest, ParsesLevels) {
  EXPECT_EQ(ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("bogus"), LogLevel::kInfo);
}

TEST(LoggingTest, WritesLinesAtOrAboveTheLevelToStderr) {
  InitLogging("test", LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  LogDebug("debug line", {{"k", "v"}});
  LogWarning("warning line");
  SetLogLevel(LogLevel::kError);
  LogInfo("filtered line");
  LogError("error line");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("[test] [debug] debug line k=v"), std::string::npos) << out;
  EXPECT_NE(out.find("warning line"), std::string::npos) << out;
  EXPECT_NE(out.find("error line"), std::string::npos) << out;
  EXPECT_EQ(out.find("filtered line"), std::string::npos) << out;
  SetLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace infaas
