#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"

namespace infaas {
namespace {

TEST(ClockTest, RealClockMovesForward) {
  Clock* clock = Clock::Real();
  const absl::Time a = clock->Now();
  clock->SleepFor(absl::Milliseconds(1));
  EXPECT_GT(clock->Now(), a);
}

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(clock.Now() - start, absl::Seconds(3));
  clock.SetTime(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(FakeClockTest, SleepForWakesWhenAnotherThreadAdvancesTime) {
  FakeClock clock;
  absl::Notification woke;
  std::thread sleeper([&] {
    clock.SleepFor(absl::Seconds(10));
    woke.Notify();
  });
  clock.AwaitSleepers(1);
  clock.Advance(absl::Seconds(5));
  EXPECT_FALSE(woke.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  clock.Advance(absl::Seconds(5));
  woke.WaitForNotification();
  sleeper.join();
}

TEST(FakeClockTest, SleepForZeroReturnsAtOnce) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  clock.SleepFor(absl::ZeroDuration());
  clock.SleepFor(absl::Seconds(-1));
  EXPECT_EQ(clock.Now(), start);  // returned without anyone advancing time
}

}  // namespace
}  // namespace infaas
