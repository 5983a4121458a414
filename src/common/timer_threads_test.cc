#include "common/timer_threads.h"

#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace infaas {
namespace {

TEST(TimerThreadsTest, RunsTasksInTheOrderTheyAreDue) {
  // Declared before the timers: their threads are joined first.
  FakeClock clock;
  absl::Mutex mu;
  std::vector<int> ran;
  absl::Notification last;
  TimerThreads timers("test", 1, &clock);
  timers.After(absl::Seconds(2), [&] {
    absl::MutexLock lock(&mu);
    ran.push_back(2);
    last.Notify();
  });
  timers.After(absl::Seconds(1), [&] {
    absl::MutexLock lock(&mu);
    ran.push_back(1);
  });
  timers.After(absl::ZeroDuration(), [&] {
    absl::MutexLock lock(&mu);
    ran.push_back(0);
  });
  clock.Advance(absl::Seconds(5));
  last.WaitForNotification();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
}

TEST(TimerThreadsTest, ATaskNotYetDueDoesNotRun) {
  FakeClock clock;
  absl::Notification due;
  bool later_ran = false;
  {
    TimerThreads timers("test", 2, &clock);
    timers.After(absl::Hours(1), [&] { later_ran = true; });
    timers.After(absl::ZeroDuration(), [&] { due.Notify(); });
    due.WaitForNotification();
    EXPECT_EQ(timers.pending(), 1);
  }  // dropped, not run
  EXPECT_FALSE(later_ran);
}

TEST(TimerThreadsTest, ABlockedTaskDoesNotHoldUpTheOthers) {
  absl::Notification release, other_ran;
  TimerThreads timers("test", 2);
  timers.After(absl::ZeroDuration(), [&] { release.WaitForNotification(); });
  timers.After(absl::Milliseconds(1), [&] { other_ran.Notify(); });
  other_ran.WaitForNotification();
  EXPECT_TRUE(other_ran.HasBeenNotified());
  release.Notify();
}

}  // namespace
}  // namespace infaas
