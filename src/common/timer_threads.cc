#include "common/timer_threads.h"

#include <algorithm>
#include <utility>

namespace infaas {

TimerThreads::TimerThreads(std::string name, int threads, Clock* clock)
    : name_(std::move(name)), clock_(clock) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

TimerThreads::~TimerThreads() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void TimerThreads::After(absl::Duration delay, absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  queue_.push_back(
      {clock_->Now() + std::max(delay, absl::ZeroDuration()), next_sequence_++, std::move(task)});
  std::push_heap(queue_.begin(), queue_.end(), Later());
}

int TimerThreads::pending() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void TimerThreads::Loop() {
  while (true) {
    absl::AnyInvocable<void()> run;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stopping_) return;
        const absl::Time now = clock_->Now();
        if (!queue_.empty() && queue_.front().due <= now) break;
        // Woken by a new task (the condition below) or when the first is due.
        const absl::Duration wait =
            queue_.empty() ? absl::Milliseconds(200)
                           : std::min(queue_.front().due - now, absl::Milliseconds(200));
        const size_t size = queue_.size();
        const uint64_t sequence = next_sequence_;
        auto changed = [this, size, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || queue_.size() != size || next_sequence_ != sequence;
        };
        mu_.AwaitWithTimeout(absl::Condition(&changed), wait);
      }
      std::pop_heap(queue_.begin(), queue_.end(), Later());
      run = std::move(queue_.back().run);
      queue_.pop_back();
    }
    run();
  }
}

}  // namespace infaas
