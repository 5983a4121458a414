#include "sim/event_loop.h"

#include <algorithm>
#include <utility>

namespace infaas::sim {

EventLoop::EventLoop(absl::Time start) : now_(start), clock_(start) {}

void EventLoop::At(absl::Time when, absl::AnyInvocable<void()> event) {
  queue_.push_back(
      {.when = std::max(when, now_), .sequence = next_sequence_++, .run = std::move(event)});
  std::push_heap(queue_.begin(), queue_.end(), Later());
}

void EventLoop::RunUntil(absl::Time end) {
  while (!queue_.empty() && queue_.front().when <= end) {
    std::pop_heap(queue_.begin(), queue_.end(), Later());
    Event event = std::move(queue_.back());
    queue_.pop_back();
    now_ = event.when;
    clock_.SetTime(now_);
    ++events_run_;
    event.run();
  }
  now_ = std::max(now_, end);
  clock_.SetTime(now_);
}

}  // namespace infaas::sim
