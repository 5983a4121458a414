// infaas-bench: open-loop load against an INFaaS master, in any query form.
//
//   infaas-bench -a lenet5 -l 20 --rate 200 --duration 30s
//   infaas-bench -t classification -D fashion-mnist -A 90 -l 20
//       --schedule 10qps:30s,80qps:60s,5qps:60s --interval 10s   (one line)
//   infaas-bench -v lenet5_onnx_cpu1_b8 --trace arrivals.txt --json
//
// Queries leave at Poisson arrival times (or the trace's), however many are
// still unanswered. Prints per interval and in total: offered and achieved
// queries/s, p50/p90/p99 latency, SLO attainment (answered within -l), errors
// by code, and the variants that served; --json prints the same as JSON.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_format.h"
#include "cli/local_state.h"
#include "cli/master_client.h"
#include "cli/model_zoo.h"
#include "cli/query_form.h"
#include "common/files.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"

namespace {

struct Flags {
  std::string master;
  infaas::cli::QueryRequirements requirements;
  std::vector<std::string> images;
  std::string input_dims;
  double rate = 0;
  std::string duration = "10s";
  std::string schedule;
  std::string trace;
  std::string interval = "5s";
  std::string timeout = "10s";
  uint64_t seed = 1;
  bool json = false;
  std::string outcomes_csv;
};

int Fail(const absl::Status& status) {
  std::cerr << "infaas-bench: " << status.message() << "\n";
  return 2;
}

// The default input: a sample of the shipped zoo, if it can be found.
std::string DefaultImage() {
  absl::StatusOr<std::filesystem::path> zoo =
      infaas::cli::FindModelZoo(infaas::cli::ExecutableFolder(), "");
  return zoo.ok() ? (*zoo / "samples" / "ankle_boot_0000.png").string() : "";
}

absl::StatusOr<std::vector<absl::Duration>> Arrivals(const Flags& flags) {
  using namespace infaas::loadgen;
  const int sources = (flags.rate > 0) + !flags.schedule.empty() + !flags.trace.empty();
  if (sources != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --rate QPS (with --duration), --schedule RATEqps:DURATION,... "
        "or --trace FILE");
  }
  if (!flags.trace.empty()) return ReadTrace(flags.trace);
  RateSchedule schedule;
  if (!flags.schedule.empty()) {
    absl::StatusOr<RateSchedule> parsed = ParseRateSchedule(flags.schedule);
    if (!parsed.ok()) return parsed.status();
    schedule = *parsed;
  } else {
    absl::Duration duration;
    if (!absl::ParseDuration(flags.duration, &duration) || duration <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--duration \"", flags.duration, "\" is not a duration; e.g. 30s or 2m"));
    }
    schedule = {{flags.rate, duration}};
  }
  return PoissonArrivals(schedule, flags.seed);
}

int Run(const Flags& flags) {
  using namespace infaas;
  std::vector<std::string> images = flags.images;
  if (images.empty() && !DefaultImage().empty()) images.push_back(DefaultImage());
  absl::StatusOr<v1::QueryOnlineRequest> request =
      cli::BuildQueryRequest(flags.requirements, images, flags.input_dims);
  if (!request.ok()) return Fail(request.status());
  absl::StatusOr<std::vector<absl::Duration>> arrivals = Arrivals(flags);
  if (!arrivals.ok()) return Fail(arrivals.status());
  absl::Duration interval, timeout;
  if (!absl::ParseDuration(flags.interval, &interval) || interval <= absl::ZeroDuration() ||
      !absl::ParseDuration(flags.timeout, &timeout) || timeout <= absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError("--interval and --timeout take durations, e.g. 5s"));
  }

  const std::string address = cli::ResolveMasterAddress(flags.master);
  cli::MasterClient master(address);
  const double slo_ms = flags.requirements.latency_ms.value_or(0);
  loadgen::LoadRecorder recorder(interval, slo_ms);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const absl::Duration total = arrivals->empty() ? absl::ZeroDuration() : arrivals->back();
  if (!flags.json) {
    std::cerr << absl::StrFormat("infaas-bench: %d queries over %.0f s to %s\n", arrivals->size(),
                                 absl::ToDoubleSeconds(total), address);
  }
  loadgen::LoadOptions options{.arrivals = *std::move(arrivals), .timeout = timeout};
  if (terminal) {
    options.on_second = [&recorder, interval, total](absl::Duration elapsed) {
      const loadgen::IntervalStats last = recorder.Last(elapsed);
      std::fprintf(stderr,
                   "\r%5.0f/%.0f s  last %.0f s: %.0f offered, %.0f answered/s, p99 %.1f ms, "
                   "%.1f%% in SLO   ",
                   absl::ToDoubleSeconds(elapsed), absl::ToDoubleSeconds(total),
                   absl::ToDoubleSeconds(interval), last.offered_qps, last.achieved_qps,
                   last.p99_ms, 100 * last.slo_attainment);
    };
  }
  if (!flags.outcomes_csv.empty()) recorder.KeepOutcomes();
  const absl::Time started = absl::Now();
  if (absl::Status s = loadgen::RunOpenLoopLoad(&master.stub(), *request, options, &recorder);
      !s.ok()) {
    return Fail(s);
  }
  if (terminal) std::cerr << "\n";
  if (!flags.outcomes_csv.empty()) {
    if (absl::Status s = infaas::WriteFileAtomically(
            flags.outcomes_csv, loadgen::FormatOutcomesCsv(recorder.Outcomes(), started));
        !s.ok()) {
      return Fail(s);
    }
  }
  const loadgen::LoadReport report = recorder.Report();
  std::cout << (flags.json ? loadgen::FormatReportJson(report) + "\n"
                           : loadgen::FormatReportText(report));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app(
      "infaas-bench: open-loop load (Poisson arrivals, a rate schedule or a trace) against an "
      "INFaaS master, in any query form; prints offered/achieved QPS, latency percentiles, SLO "
      "attainment, errors by code and the variants that served.",
      "infaas-bench");
  app.add_option("--master", flags.master,
                 "HOST:PORT of the master, or several masters' comma-separated (fails over "
                 "between them) (default: $INFAAS_MASTER, then the running local cluster's "
                 "address, then localhost:50052)");
  auto& r = flags.requirements;
  app.add_option("-v,--variant", r.variant, "form 1: the variant to run");
  app.add_option("-a,--arch", r.architecture, "form 2: an architecture (with -l)");
  app.add_option("-t,--task", r.task, "form 3: the task (with -D, -A, -l)");
  app.add_option("-D,--dataset", r.dataset, "form 3: the dataset");
  app.add_option("-A,--accuracy", r.min_accuracy, "form 3: minimum accuracy (percent or 0..1)");
  app.add_option("-l,--latency", r.latency_ms, "latency SLO in ms; also the attainment mark");
  app.add_option("-i,--input", flags.images,
                 "input image(s) of each query (default: a zoo sample)");
  app.add_option("-d,--dims", flags.input_dims, "expected input dims, as for infaas query");
  app.add_option("--rate", flags.rate, "queries per second (Poisson), with --duration");
  app.add_option("--duration", flags.duration, "how long at --rate")->capture_default_str();
  app.add_option("--schedule", flags.schedule, "rate schedule, e.g. 10qps:30s,80qps:60s,5qps:60s");
  app.add_option("--trace", flags.trace, "file of arrival times, seconds from start, one a line");
  app.add_option("--interval", flags.interval, "report interval")->capture_default_str();
  app.add_option("--timeout", flags.timeout, "each query's deadline")->capture_default_str();
  app.add_option("--seed", flags.seed, "seed of the arrival times")->capture_default_str();
  app.add_flag("--json", flags.json, "print the report as JSON");
  app.add_option("--outcomes-csv", flags.outcomes_csv,
                 "also write every query's send time (unix ms), latency, status code and "
                 "message to this CSV file");
  CLI11_PARSE(app, argc, argv);
  return Run(flags);
}
