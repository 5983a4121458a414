#include "common/cpu_affinity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace infaas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CpuAffinityTest, ParsesNumbersAndRangesAndFormatsThemBack) {
  absl::StatusOr<std::vector<int>> cpus = ParseCpuList("4,0-1,1");
  ASSERT_TRUE(cpus.ok()) << cpus.status();
  EXPECT_THAT(*cpus, ElementsAre(0, 1, 4));
  EXPECT_EQ(FormatCpuList(*cpus), "0-1,4");
  EXPECT_EQ(FormatCpuList({3}), "3");
  for (const char* bad : {"", "a", "3-1", "-1", "1-", "0,,1"}) {
    EXPECT_EQ(ParseCpuList(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseCpuList("0,x").status().message(), HasSubstr("\"x\" does not parse"));
}

TEST(CpuAffinityTest, PinsThisThreadAndThoseItStartsAfterwards) {
  std::thread pinned([] {
    ASSERT_TRUE(PinProcessToCpus({0}).ok());
    std::thread child([] {
      cpu_set_t set;
      CPU_ZERO(&set);
      ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
      EXPECT_EQ(CPU_COUNT(&set), 1);
      EXPECT_TRUE(CPU_ISSET(0, &set));
    });
    child.join();
  });
  pinned.join();
  EXPECT_EQ(PinProcessToCpus({}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(PinProcessToCpus({CPU_SETSIZE - 1}).message(), HasSubstr("does not exist"));
}

}  // namespace
}  // namespace infaas
