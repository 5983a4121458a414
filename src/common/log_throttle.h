#pragma once

// LogThrottle: lets a repeated warning through at most once per period and
// counts the ones it held back, so that a flood of bad requests (forged
// heartbeats, calls without the cluster secret) cannot flood the log.
//
//   LogThrottle throttle_{absl::Seconds(10)};
//   if (std::optional<int64_t> held = throttle_.Admit(absl::Now())) {
//     LogWarning("call refused", {{"peer", peer}, {"since_last", absl::StrCat(*held)}});
//   }
//
// Thread-safe.

#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace infaas {

class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration period) : period_(period) {}

  // The number of events held back since the last one let through, when
  // this one may be logged; nullopt when it is held back.
  std::optional<int64_t> Admit(absl::Time now) {
    absl::MutexLock lock(&mu_);
    if (now - last_ < period_) {
      ++held_;
      return std::nullopt;
    }
    last_ = now;
    const int64_t held = held_;
    held_ = 0;
    return held;
  }

 private:
  const absl::Duration period_;
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t held_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas
