#include "common/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace infaas {
namespace {

TEST(BoundedQueueTest, PopsInFifoOrder) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  ASSERT_TRUE(q.Push(3));
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), 3);
  EXPECT_EQ(q.TryPop(), std::nullopt);
}

TEST(BoundedQueueTest, TryPushFailsWhenFull) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.TryPush(1));
  EXPECT_TRUE(q.TryPush(2));
  EXPECT_FALSE(q.TryPush(3));
  EXPECT_EQ(q.size(), 2u);
}

TEST(BoundedQueueTest, CloseRejectsPushesAndDrainsRemainingItems) {
  BoundedQueue<int> q(4);
  q.Push(7);
  q.Close();
  EXPECT_FALSE(q.Push(8));
  EXPECT_FALSE(q.TryPush(8));
  EXPECT_EQ(q.Pop(), 7);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, CloseWakesABlockedConsumer) {
  BoundedQueue<int> q(1);
  absl::Notification started;
  std::optional<int> got = 42;
  std::thread consumer([&] {
    started.Notify();
    got = q.Pop();
  });
  started.WaitForNotification();
  q.Close();
  consumer.join();
  EXPECT_EQ(got, std::nullopt);
}

TEST(BoundedQueueTest, PushBlocksUntilAConsumerMakesRoom) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.Push(1));
  absl::Notification pushed;
  std::thread producer([&] {
    q.Push(2);
    pushed.Notify();
  });
  EXPECT_FALSE(pushed.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  EXPECT_EQ(q.Pop(), 1);
  pushed.WaitForNotification();
  producer.join();
  EXPECT_EQ(q.Pop(), 2);
}

TEST(BoundedQueueTest, PopWithTimeoutReturnsNulloptWhenEmpty) {
  BoundedQueue<int> q(1);
  EXPECT_EQ(q.PopWithTimeout(absl::Milliseconds(1)), std::nullopt);
}

TEST(BoundedQueueTest, ManyProducersAndConsumersLoseNothing) {
  BoundedQueue<int> q(8);
  constexpr int kPerProducer = 1000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) q.Push(1);
    });
  }
  std::atomic<int> sum{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      while (auto v = q.Pop()) sum += *v;
    });
  }
  for (auto& t : producers) t.join();
  q.Close();
  for (auto& t : consumers) t.join();
  EXPECT_EQ(sum.load(), 4 * kPerProducer);
}

}  // namespace
}  // namespace infaas
