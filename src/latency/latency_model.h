#pragma once

// The latency model: how long a variant takes to run a batch, from what the
// machine really does. The profile measured at registration (on an idle
// machine) is the prior; the execution times a worker reports with its
// heartbeats (execution_times.h) pull the estimate towards what the variant
// takes there now — a busy neighbour or an offline job on the same cores
// shows up within one heartbeat.
//
//   ExecutionEstimate e = EstimateExecution(record.profile(), loaded.execution, /*batch=*/4);
//   if (now + e.p99_ms > deadline) Drop(query);
//
// The blend, for batch b, with n_b recent runs of median t_b at b:
//   slowdown f  = the run-weighted mean of t_m / profile(m) over every batch
//                 size m measured, shrunk towards 1 by N / (N + 2) for N runs
//                 in all (a single run does not rewrite the profile);
//   median(b)   = (n_b * t_b + 2 * f * profile(b)) / (n_b + 2);
//   p99(b)      = the same with the measured and profiled p99s (never below
//                 the median);
//   p90(b)      = the same with the measured p90 and, as its prior, the
//                 profiled p99 (registration measures no p90); between the
//                 median and the p99.
// So a batch size that has run often is predicted by its own runs, one that
// has not by the profile scaled by how much slower (or faster) the variant
// runs here than at registration. Without a profile, the nearest measured
// batch size is scaled by the batch.
//
// Pure functions of their arguments: thread-safe, no clock, no I/O.

#include <cstdint>

#include "absl/types/span.h"
#include "infaas/v1/profile.pb.h"
#include "latency/execution_times.h"

namespace infaas::latency {

// The profile's median latency in ms of one call at `batch` (values below 1
// count as 1), from its measured batch sizes: interpolated linearly between
// the two nearest; the smallest measured figure below the smallest size;
// beyond the largest, extended along the last segment's slope (never
// decreasing). With one measurement, latency grows in proportion to the
// batch above it. +inf when nothing was measured.
double ProfileMedianMs(const v1::VariantProfile& profile, int batch);

// The same for the profile's p99 (the median where a p99 is missing).
double ProfileP99Ms(const v1::VariantProfile& profile, int batch);

// What one batch is expected to take.
struct ExecutionEstimate {
  double median_ms = 0;
  double p99_ms = 0;
  // The tail a deadline rule allows for (see above); robust to a single
  // slow run in the window, unlike the p99 of a few dozen runs.
  double p90_ms = 0;
  // Runs on this worker behind the estimate; 0: the profile alone.
  int64_t measured_runs = 0;
};

// The blend described above; +inf figures when neither the profile nor the
// measurements say anything.
ExecutionEstimate EstimateExecution(const v1::VariantProfile& profile,
                                    absl::Span<const BatchTiming> measured, int batch);

// Milliseconds one instance needs to run `examples` queued examples in
// batches of at most `max_batch` (median estimates; 0 for no examples).
double BacklogMs(const v1::VariantProfile& profile, absl::Span<const BatchTiming> measured,
                 int64_t examples, int max_batch);

}  // namespace infaas::latency
