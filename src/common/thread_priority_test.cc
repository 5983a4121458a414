#include "common/thread_priority.h"

#include <gtest/gtest.h>

#include <thread>

namespace infaas {
namespace {

TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  if (ThisThreadHasLowPriority()) GTEST_SKIP() << "the test runs at low priority already";
  bool lowered = false;
  bool low_inside = false;
  std::thread background([&] {
    lowered = LowerThisThreadPriority().ok();
    low_inside = ThisThreadHasLowPriority();
  });
  background.join();
  EXPECT_TRUE(lowered);
  EXPECT_TRUE(low_inside);
  EXPECT_FALSE(ThisThreadHasLowPriority());
}

TEST(ThreadPriorityTest, ThreadsStartedByALoweredThreadInheritItsPriority) {
  bool child_low = false;
  std::thread background([&] {
    ASSERT_TRUE(LowerThisThreadPriority().ok());
    std::thread child([&] { child_low = ThisThreadHasLowPriority(); });
    child.join();
  });
  background.join();
  EXPECT_TRUE(child_low);
}

}  // namespace
}  // namespace infaas
