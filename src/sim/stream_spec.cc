#include "sim/stream_spec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace infaas::sim {
namespace {

constexpr char kForm[] =
    "; expected e.g. a=lenet5,slo=20,rate=200qps:60s (keys v, a, t, D, A, slo, batch, name, cv, "
    "amp, and rate last, diurnal=MEANqps:PERIOD:LENGTH or trace=PATH)";

// Arrivals are drawn as a simulation goes: far more than a load generator
// holds at once.
constexpr double kMaxSimulatedArrivals = 1e12;
// A trace is held in memory (8 bytes an arrival).
constexpr double kMaxTraceArrivals = 1e8;

constexpr int64_t kMaxDiurnalSteps = 100'000;

// "400qps:24h:24h" as a day's rhythm.
absl::StatusOr<loadgen::RateSchedule> ParseDiurnal(absl::string_view value, double amplitude) {
  const std::vector<absl::string_view> fields = absl::StrSplit(value, ':');
  double mean = 0;
  absl::Duration period, length;
  absl::string_view rate = fields.empty() ? "" : fields[0];
  if (fields.size() != 3 || !absl::ConsumeSuffix(&rate, "qps") || !absl::SimpleAtod(rate, &mean) ||
      !std::isfinite(mean) || mean < 0 || !absl::ParseDuration(fields[1], &period) ||
      !absl::ParseDuration(fields[2], &length) || period <= absl::ZeroDuration() ||
      length <= absl::ZeroDuration() || length == absl::InfiniteDuration() ||
      period == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("diurnal=", value, " does not parse: write MEANqps:PERIOD:LENGTH"));
  }
  // Steps of a minute, or finer for a short period, but never more than
  // kMaxDiurnalSteps of them: a tiny period over a long run must not cost
  // the memory of billions of phases.
  const absl::Duration step =
      std::max(std::min(absl::Minutes(1), period / 96), length / kMaxDiurnalSteps);
  return loadgen::DiurnalSchedule(mean, amplitude, period, length, step);
}

absl::Status Bad(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("stream \"", text, "\": ", what, kForm));
}

}  // namespace

absl::StatusOr<Stream> ParseStream(absl::string_view text) {
  Stream stream;
  controller::QueryRequirements& r = stream.requirements;
  absl::string_view rest = text;
  bool has_rate = false;
  std::string diurnal;
  double amplitude = 0.5;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    absl::string_view pair = rest.substr(0, comma);
    rest = comma == absl::string_view::npos ? "" : rest.substr(comma + 1);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos)
      return Bad(text, absl::StrCat("\"", pair, "\" is not key=value"));
    const absl::string_view key = pair.substr(0, eq);
    absl::string_view value = pair.substr(eq + 1);
    if (key == "rate") {
      // The schedule is the rest of the text: its phases are comma-separated too.
      const std::string schedule =
          rest.empty() ? std::string(value) : absl::StrCat(value, ",", rest);
      absl::StatusOr<loadgen::RateSchedule> parsed =
          loadgen::ParseRateSchedule(schedule, kMaxSimulatedArrivals);
      if (!parsed.ok()) return Bad(text, parsed.status().message());
      stream.schedule = *std::move(parsed);
      has_rate = true;
      break;
    }
    if (key == "v" || key == "variant") {
      r.variant = std::string(value);
    } else if (key == "a" || key == "arch") {
      r.architecture = std::string(value);
    } else if (key == "t" || key == "task") {
      r.task = std::string(value);
    } else if (key == "D" || key == "dataset") {
      r.dataset = std::string(value);
    } else if (key == "name") {
      stream.name = std::string(value);
    } else if (key == "diurnal") {
      diurnal = std::string(value);
    } else if (key == "trace") {
      if (value.empty()) return Bad(text, "trace needs a file: trace=PATH");
      stream.trace_path = std::string(value);
    } else if (key == "cv" || key == "amp") {
      double number = 0;
      if (!absl::SimpleAtod(value, &number) || !std::isfinite(number) || number <= 0 ||
          (key == "amp" && number > 1)) {
        return Bad(text, key == "cv" ? "cv must be a number > 0" : "amp must be in (0, 1]");
      }
      (key == "cv" ? stream.cv : amplitude) = number;
    } else if (key == "A" || key == "accuracy" || key == "slo") {
      double number = 0;
      if (!absl::SimpleAtod(value, &number) || !(number >= 0)) {
        return Bad(text, absl::StrCat(key, " must be a number >= 0"));
      }
      (key == "slo" ? r.latency_slo_ms : r.min_accuracy_percent) = number;
    } else if (key == "batch") {
      if (!absl::SimpleAtoi(value, &r.batch_size) || r.batch_size < 1) {
        return Bad(text, "batch must be a whole number >= 1");
      }
    } else {
      return Bad(text, absl::StrCat("unknown key \"", key, "\""));
    }
  }
  const int forms = !r.variant.empty() + !r.architecture.empty() + !r.task.empty();
  if (forms != 1 || r.task.empty() != r.dataset.empty()) {
    return Bad(text, "give exactly one of v, a, or t with D");
  }
  if (r.variant.empty() && r.latency_slo_ms <= 0) {
    return Bad(text, "a query by architecture or task needs slo (ms)");
  }
  if (has_rate + !diurnal.empty() + !stream.trace_path.empty() != 1) {
    return Bad(text, "give the arrivals: one of rate, diurnal or trace");
  }
  if (!diurnal.empty()) {
    absl::StatusOr<loadgen::RateSchedule> day = ParseDiurnal(diurnal, amplitude);
    if (!day.ok()) return Bad(text, day.status().message());
    stream.schedule = *std::move(day);
  }
  if (stream.name.empty()) {
    stream.name = !r.variant.empty()        ? r.variant
                  : !r.architecture.empty() ? r.architecture
                                            : r.task + "/" + r.dataset;
  }
  return stream;
}

absl::Status ResolveTraces(std::vector<Stream>* streams) {
  std::map<std::string, loadgen::NamedTrace> files;
  for (Stream& stream : *streams) {
    if (stream.trace_path.empty()) continue;
    auto file = files.find(stream.trace_path);
    if (file == files.end()) {
      absl::StatusOr<loadgen::NamedTrace> trace =
          loadgen::ReadNamedTrace(stream.trace_path, kMaxTraceArrivals);
      if (!trace.ok()) return trace.status();
      file = files.emplace(stream.trace_path, *std::move(trace)).first;
    }
    const loadgen::NamedTrace& trace = file->second;
    if (auto own = trace.find(stream.name); own != trace.end()) {
      stream.trace = own->second;
    } else if (trace.size() == 1 && trace.begin()->first.empty()) {
      stream.trace = trace.begin()->second;
    } else {
      std::vector<std::string> names;
      for (const auto& [name, times] : trace) names.push_back(name.empty() ? "(none)" : name);
      return absl::InvalidArgumentError(
          absl::StrCat("trace ", stream.trace_path, " has no arrivals for the stream \"",
                       stream.name, "\"; its lines name ", absl::StrJoin(names, ", "),
                       " (set the stream's name= to one of them)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace infaas::sim
