#include "common/process_control.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "common/files.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

class ProcessControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("process_control_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Waits (bounded) until the log holds `text`; the child writes it itself.
  bool LogEventuallyContains(const fs::path& log, absl::string_view text) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (absl::StrContains(ReadFile(log).value_or(""), text)) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  fs::path dir_;
};

TEST_F(ProcessControlTest, ThisProcessIsAliveAndRunsItsBinary) {
  EXPECT_TRUE(ProcessAlive(::getpid()));
  EXPECT_TRUE(ProcessRunsBinary(::getpid(), "common_test"));
  EXPECT_FALSE(ProcessRunsBinary(::getpid(), "infaas-master"));
  EXPECT_FALSE(ProcessAlive(0));
}

TEST_F(ProcessControlTest, SpawnsInANewSessionWithOutputInTheLog) {
  const fs::path log = dir_ / "logs" / "child.log";
  absl::StatusOr<pid_t> pid =
      SpawnDetached("/bin/sh", {"-c", "echo out; echo err >&2; exec sleep 30"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_TRUE(LogEventuallyContains(log, "out\nerr\n"));
  EXPECT_EQ(::getsid(*pid), *pid);
  EXPECT_TRUE(ProcessAlive(*pid));
  EXPECT_EQ(StopProcess(*pid, absl::Seconds(10)), StopOutcome::kExited);
  EXPECT_FALSE(ProcessAlive(*pid));
}

TEST_F(ProcessControlTest, AnExitedChildIsNotAliveBeforeItIsReaped) {
  absl::StatusOr<pid_t> pid = SpawnDetached("/bin/true", {}, dir_ / "true.log");
  ASSERT_TRUE(pid.ok()) << pid.status();
  siginfo_t info{};
  // Wait for the exit without reaping: the child stays a zombie.
  ASSERT_EQ(::waitid(P_PID, *pid, &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(ProcessAlive(*pid));
  EXPECT_EQ(StopProcess(*pid, absl::Seconds(1)), StopOutcome::kNotRunning);
}

TEST_F(ProcessControlTest, KillsAProcessThatIgnoresSigterm) {
  const fs::path log = dir_ / "stubborn.log";
  absl::StatusOr<pid_t> pid =
      SpawnDetached("/bin/sh", {"-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(LogEventuallyContains(log, "ready"));
  EXPECT_EQ(StopProcess(*pid, absl::Milliseconds(200)), StopOutcome::kKilled);
  EXPECT_FALSE(ProcessAlive(*pid));
}

TEST_F(ProcessControlTest, MissingBinaryIsNotFound) {
  EXPECT_EQ(SpawnDetached(dir_ / "no-such-binary", {}, dir_ / "x.log").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ProcessControlTest, TailKeepsTheLastLines) {
  std::ofstream(dir_ / "log") << "one\ntwo\nthree\nfour\n";
  EXPECT_EQ(TailOfFile(dir_ / "log", 2), "three\nfour");
  EXPECT_EQ(TailOfFile(dir_ / "log", 10), "one\ntwo\nthree\nfour");
  EXPECT_EQ(TailOfFile(dir_ / "missing", 3), "");
}

}  // namespace
}  // namespace infaas
