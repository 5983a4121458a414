#pragma once

// ConnectionPool: the task queue of an HttpServer (cpp-httplib hands it one
// closure per accepted connection). A fixed set of handler threads serves
// connections; at most `max_waiting` more wait for a thread. A connection
// past that is not left to wait: it is handed to one overflow thread, on
// which Overflowing() is true, and the server answers its request with 503
// and Retry-After at once, then closes it. So slow or idle clients can hold
// the handler threads for at most the read timeout per byte they trickle,
// but never make other clients hang, and memory stays bounded.
//
//   server->new_task_queue = [] { return new ConnectionPool(16, 64); };
//   ... in a pre-routing handler: if (ConnectionPool::Overflowing()) refuse.
//
// Thread-safe (cpp-httplib's listener thread enqueues; the pools run).

#include <httplib.h>

#include <cstddef>
#include <functional>

#include "common/thread_pool.h"

namespace infaas::http {

class ConnectionPool final : public httplib::TaskQueue {
 public:
  ConnectionPool(int threads, size_t max_waiting);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> connection) override;
  void shutdown() override;

  // True on the overflow thread while it runs a refused connection.
  static bool Overflowing();

 private:
  ThreadPool handlers_;
  ThreadPool overflow_;
};

}  // namespace infaas::http
