#pragma once

// When an open-loop load sends its queries: Poisson arrivals at a rate, a
// schedule of rates, or the timestamps of a trace.
//
//   ASSIGN_OR_RETURN(RateSchedule s, ParseRateSchedule("10qps:30s,80qps:60s,5qps:60s"));
//   std::vector<absl::Duration> at = PoissonArrivals(s, /*seed=*/1);   // offsets from start
//   ASSIGN_OR_RETURN(std::vector<absl::Duration> trace, ReadTrace("arrivals.txt"));
//
// Pure functions (ReadTrace reads one file); thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infaas::loadgen {

struct RatePhase {
  double qps = 0;
  absl::Duration duration;
};
using RateSchedule = std::vector<RatePhase>;

// The most queries a rate schedule may send on average (rate x duration,
// summed over its phases).
inline constexpr double kMaxScheduledArrivals = 10'000'000;

// "RATEqps:DURATION[,...]", DURATION as absl parses it ("30s", "1m", "500ms").
// InvalidArgument naming the bad part and the expected form (rates and
// durations must be finite), or a schedule beyond `max_arrivals` (callers
// that draw arrivals one at a time, like the simulator, allow more).
absl::StatusOr<RateSchedule> ParseRateSchedule(absl::string_view text,
                                               double max_arrivals = kMaxScheduledArrivals);

// A day's rhythm: `mean_qps` × (1 − amplitude × cos(2π t / period)), from
// the trough at t = 0, as phases of `step` over `duration`. amplitude in
// [0, 1].
RateSchedule DiurnalSchedule(double mean_qps, double amplitude, absl::Duration period,
                             absl::Duration duration, absl::Duration step = absl::Minutes(1));

// Arrivals drawn one at a time, for runs too long to hold them all: a
// renewal process whose rate follows `schedule`. `cv` is the coefficient of
// variation of the gaps: 1 is Poisson (exponential gaps; the same times as
// PoissonArrivals with the same seed), above 1 bursty (Gamma gaps, CV 4
// gives bursts far beyond Poisson's). Not thread-safe.
class ArrivalSource {
 public:
  ArrivalSource(RateSchedule schedule, uint64_t seed, double cv = 1);

  // The next arrival's offset from the start; nullopt after the last.
  std::optional<absl::Duration> Next();

 private:
  double Gap(double qps);

  RateSchedule schedule_;
  double cv_;
  std::mt19937_64 random_;
  size_t phase_ = 0;
  absl::Duration phase_start_;
  absl::Duration next_;  // the next arrival of the current phase
  bool started_ = false;
};

absl::Duration TotalDuration(const RateSchedule& schedule);

// Arrival offsets of a Poisson process whose rate follows `schedule`: gaps
// drawn from the exponential distribution of the current phase's rate (a
// phase at 0 qps sends nothing). Sorted; the same seed gives the same times.
std::vector<absl::Duration> PoissonArrivals(const RateSchedule& schedule, uint64_t seed);

// A trace: one arrival per line, seconds from the start as a decimal number
// ("0.25"); blank lines and lines starting with '#' are skipped. Sorted on
// return. InvalidArgument naming the line that does not parse.
absl::StatusOr<std::vector<absl::Duration>> ParseTrace(absl::string_view text);
absl::StatusOr<std::vector<absl::Duration>> ReadTrace(const std::string& path);

// A trace of several models' queries: "SECONDS,NAME" per line (NAME: the
// stream the arrival belongs to; a line with SECONDS alone belongs to "").
// Each name's arrivals sorted. At most `max_arrivals` lines; InvalidArgument
// naming the line that does not parse, or the bound.
using NamedTrace = std::map<std::string, std::vector<absl::Duration>>;
absl::StatusOr<NamedTrace> ParseNamedTrace(absl::string_view text,
                                           double max_arrivals = kMaxScheduledArrivals);
absl::StatusOr<NamedTrace> ReadNamedTrace(const std::string& path,
                                          double max_arrivals = kMaxScheduledArrivals);

}  // namespace infaas::loadgen
