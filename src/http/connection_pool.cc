#include "http/connection_pool.h"

#include <utility>

namespace infaas::http {
namespace {

thread_local bool overflowing = false;

// Refused connections wait for the overflow thread at most this deep; past
// it the listener blocks (and stops accepting) until there is room.
constexpr size_t kMaxOverflowWaiting = 1024;

}  // namespace

ConnectionPool::ConnectionPool(int threads, size_t max_waiting)
    : handlers_("http", threads, max_waiting), overflow_("http-refuse", 1, kMaxOverflowWaiting) {}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::enqueue(std::function<void()> connection) {
  if (handlers_.TrySchedule(connection)) return;
  overflow_.Schedule([connection = std::move(connection)] {
    overflowing = true;
    connection();
    overflowing = false;
  });
}

void ConnectionPool::shutdown() {
  handlers_.Shutdown();
  overflow_.Shutdown();
}

bool ConnectionPool::Overflowing() { return overflowing; }

}  // namespace infaas::http
