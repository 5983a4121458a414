#include "worker/internal/machine_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::worker::internal {
namespace {

TEST(MachineStatsTest, ParsesTheAggregateCpuLineOfProcStat) {
  const char* text =
      "cpu  100 5 50 800 20 3 2 10 0 0\n"
      "cpu0 50 2 25 400 10 1 1 5 0 0\n";
  absl::StatusOr<CpuTimes> times = ParseProcStat(text);
  ASSERT_TRUE(times.ok()) << times.status();
  EXPECT_EQ(times->busy, 100u + 5 + 50 + 3 + 2 + 10);
  EXPECT_EQ(times->total, times->busy + 800 + 20);
}

TEST(MachineStatsTest, RejectsProcStatWithoutACpuLine) {
  EXPECT_FALSE(ParseProcStat("intr 1 2 3\n").ok());
  EXPECT_FALSE(ParseProcStat("cpu 1 2\n").ok());
}

TEST(MachineStatsTest, ComputesUtilisationBetweenTwoReadings) {
  EXPECT_DOUBLE_EQ(CpuUtilization({.busy = 100, .total = 400}, {.busy = 150, .total = 600}), 0.25);
  EXPECT_EQ(CpuUtilization({.busy = 100, .total = 400}, {.busy = 100, .total = 400}), 0.0);
}

TEST(MachineStatsTest, ReadsMemAvailableInBytes) {
  absl::StatusOr<int64_t> bytes =
      ParseMemAvailable("MemTotal:  16000 kB\nMemFree: 100 kB\nMemAvailable:    2048 kB\n");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, 2048 * 1024);
  EXPECT_EQ(ParseMemAvailable("MemTotal: 1 kB\n").status().code(), absl::StatusCode::kNotFound);
}

TEST(MachineStatsTest, ReadsAnyMeminfoFieldAndNamesItWhenMissing) {
  absl::StatusOr<int64_t> total =
      ParseMeminfoBytes("MemTotal:  16000 kB\nMemFree: 100 kB\n", "MemTotal");
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 16000 * 1024);
  absl::StatusOr<int64_t> missing = ParseMeminfoBytes("MemFree: 100 kB\n", "MemTotal");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("MemTotal"));
  EXPECT_GT(ReadTotalMemoryBytes().value_or(0), 0);
}

TEST(MachineStatsTest, ReadsThisMachinesFiguresFromProc) {
  absl::StatusOr<CpuTimes> times = ReadCpuTimes();
  ASSERT_TRUE(times.ok()) << times.status();
  EXPECT_GT(times->total, 0u);
  absl::StatusOr<int64_t> free_bytes = ReadFreeMemoryBytes();
  ASSERT_TRUE(free_bytes.ok()) << free_bytes.status();
  EXPECT_GT(*free_bytes, 0);
}

}  // namespace
}  // namespace infaas::worker::internal
