#include "worker/internal/machine_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::worker::internal {
namespace {

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

TEST(MachineStatsTest, CountsThisProcessCpuTimeAgainstTheCoresOffered) {
  const CpuTimes before = ReadProcessCpuTimes(2);
  // Spin one thread for a while: about half of two cores.
  volatile uint64_t sink = 0;
  CpuTimes after = ReadProcessCpuTimes(2);
  while (after.busy - before.busy < 50'000) {
    for (int i = 0; i < 100000; ++i) sink = sink + i;
    after = ReadProcessCpuTimes(2);
  }
  const double busy = CpuUtilization(before, after);
  EXPECT_GT(busy, 0.0);
  EXPECT_LE(busy, 0.5 + 0.01);  // one thread cannot use more than one of two cores
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

TEST(MachineStatsTest, ReadsThisMachinesFreeMemory) {
  absl::StatusOr<int64_t> free_bytes = ReadFreeMemoryBytes();
  ASSERT_TRUE(free_bytes.ok()) << free_bytes.status();
  EXPECT_GT(*free_bytes, 0);
}

}  // namespace
}  // namespace infaas::worker::internal
