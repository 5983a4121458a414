#pragma once

// Drives an operation from several threads for a while and reports latency
// percentiles and throughput: the measuring loop every serving benchmark
// shares.
//
//   LoadFigures f = DriveLoad(8, absl::Seconds(5), 1, [&] { return CallOnce(); });
//   absl::PrintF("%.3f ms p50, %.0f/s\n", f.p50_ms, f.per_second);
//
// `op` must be thread-safe; a call returning false is not counted.

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/latency_histogram.h"

namespace infaas::bench {

struct LoadFigures {
  double p50_ms = 0, p99_ms = 0, per_second = 0;
  int64_t failures = 0;
  std::vector<double> samples_ms;  // every successful call's latency, for CDFs
};

// Runs `op` from `threads` threads for `duration`; latency per call, and
// `items_per_call` items per successful call for the rate.
template <typename Op>
LoadFigures DriveLoad(int threads, absl::Duration duration, int items_per_call, Op op) {
  absl::Mutex mu;
  std::vector<double> samples;
  std::atomic<int64_t> calls{0}, failures{0};
  const absl::Time start = absl::Now(), stop = start + duration;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::vector<double> local;
      while (absl::Now() < stop) {
        const absl::Time t0 = absl::Now();
        if (!op()) {
          ++failures;
          continue;
        }
        local.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        ++calls;
      }
      absl::MutexLock lock(&mu);
      samples.insert(samples.end(), local.begin(), local.end());
    });
  }
  for (auto& t : pool) t.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  return {PercentileOf(samples, 50), PercentileOf(samples, 99),
          static_cast<double>(calls.load() * items_per_call) / elapsed, failures.load(),
          std::move(samples)};
}

}  // namespace infaas::bench
