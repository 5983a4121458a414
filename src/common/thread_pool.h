#pragma once

// A fixed set of threads running scheduled closures in FIFO order.
//
//   ThreadPool pool("profiler", 2);
//   pool.Schedule([&] { Work(); });
//   pool.Shutdown();  // or destroy: runs what is queued, then joins
//
// Schedule blocks while `max_queued` closures wait (back-pressure) and
// returns false once the pool is shut down; TrySchedule refuses instead of
// waiting (for callers that must not block, e.g. gRPC callbacks).
// Thread-safe.

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/bounded_queue.h"

namespace infaas {

class ThreadPool {
 public:
  ThreadPool(std::string name, int num_threads, size_t max_queued = 1024);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  bool Schedule(std::function<void()> fn);
  // Schedule without waiting: false when `max_queued` closures wait (or the
  // pool is shut down), and `fn` is not run.
  bool TrySchedule(std::function<void()> fn);

  // Stops accepting work, runs everything already queued, joins the
  // threads. Idempotent.
  void Shutdown();

  const std::string& name() const { return name_; }
  int num_threads() const { return static_cast<int>(threads_.size()); }

 private:
  void WorkLoop();

  const std::string name_;
  BoundedQueue<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
};

}  // namespace infaas
