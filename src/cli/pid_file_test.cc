#include "cli/pid_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace infaas::cli {
namespace {

namespace fs = std::filesystem;

TEST(PidFileTest, ParsesADecimalPidWithWhiteSpace) {
  EXPECT_EQ(ParsePid("1234\n").value(), 1234);
  EXPECT_EQ(ParsePid(" 7 ").value(), 7);
}

TEST(PidFileTest, RejectsAnythingButAPositivePid) {
  for (const char* bad : {"", "abc", "0", "-5", "12x", "99999999999"}) {
    EXPECT_EQ(ParsePid(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PidFileTest, WritesAndReadsBackCreatingTheFolder) {
  const fs::path dir = fs::temp_directory_path() / ("pid_file_test_" + std::to_string(::getpid()));
  const fs::path file = dir / "run" / "master.pid";
  ASSERT_TRUE(WritePidFile(file, 4321).ok());
  EXPECT_EQ(ReadPidFile(file).value(), 4321);
  fs::remove_all(dir);
}

TEST(PidFileTest, MissingFileIsNotFoundAndGarbageNamesTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("pid_file_test_g" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_EQ(ReadPidFile(dir / "none.pid").status().code(), absl::StatusCode::kNotFound);
  std::ofstream(dir / "bad.pid") << "not a pid";
  const absl::Status s = ReadPidFile(dir / "bad.pid").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bad.pid"), absl::string_view::npos) << s;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace infaas::cli
