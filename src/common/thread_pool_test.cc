#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"

namespace infaas {
namespace {

TEST(ThreadPoolTest, RunsEveryScheduledClosure) {
  ThreadPool pool("test", 3);
  std::atomic<int> ran{0};
  absl::BlockingCounter done(100);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(pool.Schedule([&] {
      ++ran;
      done.DecrementCount();
    }));
  }
  done.Wait();
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPoolTest, ShutdownRunsQueuedWorkThenRejectsNewWork) {
  std::atomic<int> ran{0};
  ThreadPool pool("test", 1);
  for (int i = 0; i < 10; ++i) pool.Schedule([&] { ++ran; });
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_FALSE(pool.Schedule([&] { ++ran; }));
  pool.Shutdown();  // idempotent
}

TEST(ThreadPoolTest, TryScheduleRefusesWhenTheQueueIsFullInsteadOfWaiting) {
  ThreadPool pool("test", 1, /*max_queued=*/2);
  absl::Notification release, running;
  ASSERT_TRUE(pool.Schedule([&] {
    running.Notify();
    release.WaitForNotification();
  }));
  running.WaitForNotification();  // the thread is busy; the queue is empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.TrySchedule([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySchedule([&] { ++ran; }));
  EXPECT_FALSE(pool.TrySchedule([&] { ran += 100; }));  // full: refused, never run
  release.Notify();
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(pool.TrySchedule([&] { ++ran; }));  // shut down
}

TEST(ThreadPoolTest, UsesTheRequestedNumberOfThreads) {
  ThreadPool pool("test", 0);
  EXPECT_EQ(pool.num_threads(), 1);
  ThreadPool four("four", 4);
  EXPECT_EQ(four.num_threads(), 4);
}

}  // namespace
}  // namespace infaas
