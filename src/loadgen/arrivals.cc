#include "loadgen/arrivals.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::loadgen {

absl::StatusOr<RateSchedule> ParseRateSchedule(absl::string_view text, double max_arrivals) {
  RateSchedule schedule;
  double expected = 0;  // queries the schedule sends on average
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    std::vector<absl::string_view> fields = absl::StrSplit(part, absl::MaxSplits(':', 1));
    RatePhase phase;
    absl::string_view rate = fields[0];
    const bool has_unit = absl::ConsumeSuffix(&rate, "qps");
    // SimpleAtod and ParseDuration accept "inf" and "nan": both are refused.
    if (fields.size() != 2 || !has_unit || !absl::SimpleAtod(rate, &phase.qps) ||
        !std::isfinite(phase.qps) || phase.qps < 0 ||
        !absl::ParseDuration(fields[1], &phase.duration) ||
        phase.duration <= absl::ZeroDuration() || phase.duration == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate schedule part \"", part,
                       "\" does not parse; write RATEqps:DURATION parts separated by commas, "
                       "e.g. 10qps:30s,80qps:1m,5qps:500ms"));
    }
    schedule.push_back(phase);
    expected += phase.qps * absl::ToDoubleSeconds(phase.duration);
  }
  if (schedule.empty()) {
    return absl::InvalidArgumentError("the rate schedule is empty; write e.g. 10qps:30s,80qps:60s");
  }
  // PoissonArrivals holds every arrival in memory: bound them up front.
  if (expected > max_arrivals) {
    return absl::InvalidArgumentError(absl::StrCat("the rate schedule \"", text, "\" sends about ",
                                                   expected, " queries; at most ", max_arrivals,
                                                   " fit in one run"));
  }
  return schedule;
}

absl::Duration TotalDuration(const RateSchedule& schedule) {
  absl::Duration total;
  for (const RatePhase& phase : schedule) total += phase.duration;
  return total;
}

std::vector<absl::Duration> PoissonArrivals(const RateSchedule& schedule, uint64_t seed) {
  ArrivalSource source(schedule, seed);
  std::vector<absl::Duration> arrivals;
  while (std::optional<absl::Duration> t = source.Next()) arrivals.push_back(*t);
  return arrivals;
}

RateSchedule DiurnalSchedule(double mean_qps, double amplitude, absl::Duration period,
                             absl::Duration duration, absl::Duration step) {
  RateSchedule schedule;
  const double a = std::clamp(amplitude, 0.0, 1.0);
  for (absl::Duration t; t < duration; t += step) {
    const absl::Duration length = std::min(step, duration - t);
    // The rate at the middle of the step.
    const double phase = 2 * M_PI * absl::FDivDuration(t + length / 2, period);
    schedule.push_back(
        {.qps = std::max(0.0, mean_qps * (1 - a * std::cos(phase))), .duration = length});
  }
  return schedule;
}

ArrivalSource::ArrivalSource(RateSchedule schedule, uint64_t seed, double cv)
    : schedule_(std::move(schedule)), cv_(cv > 0 ? cv : 1), random_(seed) {}

double ArrivalSource::Gap(double qps) {
  if (cv_ == 1) return std::exponential_distribution<double>(qps)(random_);
  // Gamma of shape k = 1/cv^2 and mean 1/qps: its gaps have that CV.
  const double k = 1 / (cv_ * cv_);
  return std::gamma_distribution<double>(k, 1 / (k * qps))(random_);
}

std::optional<absl::Duration> ArrivalSource::Next() {
  while (phase_ < schedule_.size()) {
    const RatePhase& phase = schedule_[phase_];
    const absl::Duration phase_end = phase_start_ + phase.duration;
    if (phase.qps > 0) {
      next_ = (started_ ? next_ : phase_start_) + absl::Seconds(Gap(phase.qps));
      started_ = true;
      if (next_ < phase_end) return next_;
    }
    // The phase is over: the next starts afresh at its boundary.
    ++phase_;
    phase_start_ = phase_end;
    started_ = false;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<absl::Duration>> ParseTrace(absl::string_view text) {
  std::vector<absl::Duration> arrivals;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    double seconds = 0;
    if (!absl::SimpleAtod(line, &seconds) || !std::isfinite(seconds) || seconds < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("trace line ", line_number, " (\"", line,
                       "\") is not a time; give one arrival per line in seconds from the start, "
                       "e.g. 0.25"));
    }
    arrivals.push_back(absl::Seconds(seconds));
  }
  std::sort(arrivals.begin(), arrivals.end());
  return arrivals;
}

absl::StatusOr<std::vector<absl::Duration>> ReadTrace(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseTrace(text);
}

absl::StatusOr<NamedTrace> ParseNamedTrace(absl::string_view text, double max_arrivals) {
  NamedTrace trace;
  int64_t line_number = 0, arrivals = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t comma = line.find(',');
    const absl::string_view time = absl::StripAsciiWhitespace(line.substr(0, comma));
    const absl::string_view name =
        comma == absl::string_view::npos ? "" : absl::StripAsciiWhitespace(line.substr(comma + 1));
    double seconds = 0;
    if (!absl::SimpleAtod(time, &seconds) || !std::isfinite(seconds) || seconds < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trace line ", line_number, " (\"", line,
          "\") does not start with a time; give one arrival per line as "
          "SECONDS,NAME (seconds from the start, the stream's name), e.g. 0.25,lenet5"));
    }
    if (static_cast<double>(++arrivals) > max_arrivals) {
      return absl::InvalidArgumentError(absl::StrCat("the trace has more than ", max_arrivals,
                                                     " arrivals (line ", line_number,
                                                     "); split it or shorten it"));
    }
    trace[std::string(name)].push_back(absl::Seconds(seconds));
  }
  for (auto& [name, times] : trace) std::sort(times.begin(), times.end());
  return trace;
}

absl::StatusOr<NamedTrace> ReadNamedTrace(const std::string& path, double max_arrivals) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  absl::StatusOr<NamedTrace> trace = ParseNamedTrace(text, max_arrivals);
  if (!trace.ok())
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", trace.status().message()));
  return trace;
}

}  // namespace infaas::loadgen
