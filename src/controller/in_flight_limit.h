#pragma once

// InFlightLimit: the master's bound on the queries it holds at once and on
// the bytes of their requests, whoever sends them (tenants' quotas bound
// each tenant; this bounds them all, and callers without keys). A flood of
// queries, or of slow ones, then costs its senders RESOURCE_EXHAUSTED at
// once instead of the master's memory.
//
//   InFlightLimit limit({.max_queries = 4096, .max_bytes = int64_t{1} << 30});
//   ASSIGN_OR_RETURN(InFlightLimit::Reservation r, limit.Admit(request.ByteSizeLong()));
//   ... the query runs; destroying `r` (or r.Release()) gives its room back.
//
// Thread-safe.

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"

namespace infaas::controller {

class InFlightLimit {
 public:
  struct Options {
    int64_t max_queries = 0;  // 0: no bound
    int64_t max_bytes = 0;    // of the requests; 0: no bound
  };

  // Move-only; releases its query and bytes once.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept { *this = std::move(other); }
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation() { Release(); }
    void Release();

   private:
    friend class InFlightLimit;
    Reservation(InFlightLimit* limit, int64_t bytes) : limit_(limit), bytes_(bytes) {}
    InFlightLimit* limit_ = nullptr;
    int64_t bytes_ = 0;
  };

  explicit InFlightLimit(Options options) : options_(options) {}

  // A reservation for one query of `bytes`, or RESOURCE_EXHAUSTED naming
  // the bound it would pass (with a retry-after hint).
  absl::StatusOr<Reservation> Admit(int64_t bytes);

  int64_t queries() const { return queries_.load(); }
  int64_t bytes() const { return bytes_.load(); }

 private:
  const Options options_;
  std::atomic<int64_t> queries_{0};
  std::atomic<int64_t> bytes_{0};
};

}  // namespace infaas::controller
