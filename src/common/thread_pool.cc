#include "common/thread_pool.h"

#include <utility>

namespace infaas {

ThreadPool::ThreadPool(std::string name, int num_threads, size_t max_queued)
    : name_(std::move(name)), queue_(max_queued) {
  if (num_threads < 1) num_threads = 1;
  threads_.reserve(num_threads);
  for (int i = 0; i < num_threads; ++i) {
    threads_.emplace_back([this] { WorkLoop(); });
  }
}

ThreadPool::~ThreadPool() { Shutdown(); }

bool ThreadPool::Schedule(std::function<void()> fn) { return queue_.Push(std::move(fn)); }

bool ThreadPool::TrySchedule(std::function<void()> fn) { return queue_.TryPush(std::move(fn)); }

void ThreadPool::Shutdown() {
  queue_.Close();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ThreadPool::WorkLoop() {
  while (std::optional<std::function<void()>> fn = queue_.Pop()) {
    (*fn)();
  }
}

}  // namespace infaas
