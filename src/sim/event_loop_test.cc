#include "sim/event_loop.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace infaas::sim {
namespace {

TEST(EventLoopTest, RunsEventsInTimeOrderThenInTheOrderTheyWereScheduled) {
  EventLoop loop;
  const absl::Time t0 = loop.now();
  std::vector<std::string> ran;
  loop.After(absl::Milliseconds(2), [&] { ran.push_back("b"); });
  loop.After(absl::Milliseconds(1), [&] { ran.push_back("a"); });
  loop.After(absl::Milliseconds(2), [&] { ran.push_back("c"); });
  loop.At(t0 - absl::Seconds(1), [&] { ran.push_back("now"); });  // the past runs now
  loop.RunUntil(t0 + absl::Milliseconds(10));
  EXPECT_EQ(ran, (std::vector<std::string>{"now", "a", "b", "c"}));
  EXPECT_EQ(loop.now(), t0 + absl::Milliseconds(10));
  EXPECT_EQ(loop.events_run(), 4);
}

TEST(EventLoopTest, EventsScheduleEventsAndTheClockShowsTheirTime) {
  EventLoop loop;
  const absl::Time t0 = loop.now();
  std::vector<absl::Time> seen;
  std::function<void()> tick = [&] {
    seen.push_back(loop.clock()->Now());
    if (seen.size() < 3) loop.After(absl::Seconds(1), tick);
  };
  loop.After(absl::Seconds(1), tick);
  loop.RunUntil(t0 + absl::Milliseconds(2500));
  EXPECT_EQ(seen, (std::vector<absl::Time>{t0 + absl::Seconds(1), t0 + absl::Seconds(2)}));
  EXPECT_EQ(loop.pending(), 1u);  // the third is due after the end
  loop.RunUntil(t0 + absl::Seconds(10));
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(loop.pending(), 0u);
}

}  // namespace
}  // namespace infaas::sim
