#include "cli/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace infaas::cli {
namespace {

TEST(ProgressBarTest, RendersFractionAsBarAndPercent) {
  EXPECT_EQ(ProgressBar::Render("copy", 0.0, 10), "[..........]   0%  copy");
  EXPECT_EQ(ProgressBar::Render("profile onnx cpu2", 0.5, 10),
            "[#####.....]  50%  profile onnx cpu2");
  EXPECT_EQ(ProgressBar::Render("done", 1.0, 10), "[##########] 100%  done");
  EXPECT_EQ(ProgressBar::Render("clamped", 7.0, 4), "[####] 100%  clamped");
}

TEST(ProgressBarTest, OffATerminalPrintsOneLinePerStage) {
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressBar bar("registering lenet5", out);
    bar.Update("copy", 0.0);
    bar.Update("copy", 0.1);
    bar.Update("profile", 0.5);
  }
  std::rewind(out);
  char buffer[512] = {};
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, out);
  std::fclose(out);
  EXPECT_EQ(std::string(buffer, n),
            "registering lenet5   0% copy\nregistering lenet5  50% profile\n");
}

}  // namespace
}  // namespace infaas::cli
