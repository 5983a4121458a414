// infaas-sim: the master's real policies on a virtual cluster (src/sim).
//
//   infaas-sim --store sqlite:.infaas/infaas.db --workers 2 --max-workers 8
//       --autoscaler infaas --stream a=lenet5,slo=20,rate=200qps:60s,800qps:60s
//
// Prints, per stream, the report infaas-bench prints (per interval and in
// total: offered, achieved, goodput, SLO attainment, p50/p90/p99, refusals
// by code, variants that served), then what the run cost (worker-seconds,
// busy core-seconds), the policy's actions, and how fast it simulated.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "autoscaler/scaling_policy.h"
#include "common/logging.h"
#include "kind_flags.h"
#include "sim/generated_catalogue.h"
#include "sim/simulation.h"
#include "sim/simulation_plot.h"
#include "sim/stream_spec.h"
#include "store/metadata_store.h"

namespace {

using namespace infaas;

std::string DefaultStore() {
  const char* home = std::getenv("INFAAS_HOME");
  return absl::StrCat("sqlite:", home != nullptr && *home != '\0' ? home : ".infaas", "/infaas.db");
}

absl::StatusOr<std::shared_ptr<const controller::Catalogue>> LoadCatalogue(const std::string& url) {
  if (absl::StartsWith(url, "generated:")) {
    int architectures = 0;
    if (!absl::SimpleAtoi(url.substr(10), &architectures) || architectures < 1 ||
        architectures > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("--store ", url,
                       ": a generated catalogue is generated:N with N architectures, 1..100000"));
    }
    return sim::GenerateCatalogue({.architectures = architectures});
  }
  absl::StatusOr<std::unique_ptr<store::MetadataStore>> store = store::OpenMetadataStore(url);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::vector<v1::VariantRecord>> records = (*store)->ListVariants({});
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the store ", url,
                     " holds no variants; register models first (infaas up registers the zoo) "
                     "or pass --store of a deployment that has some"));
  }
  auto catalogue = std::make_shared<controller::Catalogue>();
  catalogue->variants = *std::move(records);
  return catalogue;
}

double PeakRssMiB() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  // One thread runs the whole simulation: Abseil's lock-order checks on
  // the control core's mutexes would cost a graph lookup per lock, for
  // nothing.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string store_url = DefaultStore();
  std::vector<std::string> streams;
  sim::SimulationOptions options;
  options.workers = 2;
  options.master.worker.cores = 2;
  double memory_gib = 16;
  double call_overhead_us = 400;
  double worker_startup_s = 3;
  double interval_s = 1;
  bool json = false;
  std::string plot_path;
  CLI::App app(
      "infaas-sim: INFaaS's own selector and scaling policies on a virtual cluster of emulated "
      "workers, driven by open-loop streams of queries, on a virtual clock (deterministic: the "
      "same seed gives the same run).",
      "infaas-sim");
  app.add_option(
         "--store", store_url,
         "catalogue: the store of a registered deployment (sqlite:PATH or redis://...), or "
         "generated:N for N made-up architectures (gen000, gen001, ...; sim/generated_catalogue.h)")
      ->capture_default_str();
  app.add_option(
         "--stream", streams,
         "queries: key=value pairs, e.g. a=lenet5,slo=20,rate=200qps:60s,800qps:30s "
         "(keys v, a, t, D, A, slo, batch, name, cv, amp; the arrivals: rate=SCHEDULE last, "
         "diurnal=MEANqps:PERIOD:LENGTH, or trace=FILE of SECONDS,NAME lines); repeatable")
      ->required();
  app.add_option("--workers", options.workers, "workers at the start (never removed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-workers", options.master.max_workers,
                 "most workers the policy may run (0: only the first ones)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--cores", options.master.worker.cores, "cores per worker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--memory-gib", memory_gib, "memory per worker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option(
         "--autoscaler", options.master.policy,
         absl::StrCat("scaling policy: ", absl::StrJoin(autoscaler::ScalingPolicyNames(), ", ")))
      ->transform(KindFlag("infaas|infaas2021|individual|static", autoscaler::ParsePolicyKind))
      ->default_str("infaas");
  app.add_option("--seed", options.seed, "seed of the arrivals and the noise")
      ->capture_default_str();
  app.add_option("--noise-cv", options.master.worker.noise_cv,
                 "coefficient of variation of each batch's run time (lognormal)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--profile-noise", options.master.worker.profile_noise,
               "vary each batch's run time as its profile does (a lognormal with the profile's "
               "p99 / median), instead of --noise-cv");
  app.add_option("--call-overhead-us", call_overhead_us, "a master-worker call's round trip")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--worker-startup-s", worker_startup_s, "time until a started worker serves")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--interval-s", interval_s, "report interval")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", json, "print JSON instead of tables");
  app.add_option("--plot", plot_path,
                 "also write an SVG of the run over time: load, workers and instances, SLO "
                 "attainment, p99 latency");
  CLI11_PARSE(app, argc, argv);
  // The simulated master's own log lines (workers joining, loads) would
  // drown the report: warnings and errors only.
  SetLogLevel(LogLevel::kWarning);

  for (const std::string& text : streams) {
    absl::StatusOr<sim::Stream> stream = sim::ParseStream(text);
    if (!stream.ok()) {
      std::cerr << "infaas-sim: " << stream.status().message() << "\n";
      return 2;
    }
    options.streams.push_back(*std::move(stream));
  }
  if (absl::Status traces = sim::ResolveTraces(&options.streams); !traces.ok()) {
    std::cerr << "infaas-sim: " << traces.message() << "\n";
    return 2;
  }
  options.master.worker.memory_bytes = static_cast<int64_t>(memory_gib * (1 << 30));
  options.master.call_overhead = absl::Microseconds(call_overhead_us);
  options.master.worker_startup = absl::Milliseconds(worker_startup_s * 1000);
  options.interval = absl::Milliseconds(interval_s * 1000);

  absl::StatusOr<std::shared_ptr<const controller::Catalogue>> catalogue = LoadCatalogue(store_url);
  if (!catalogue.ok()) {
    std::cerr << "infaas-sim: " << catalogue.status().message() << "\n";
    return 1;
  }
  const absl::Time wall_start = absl::Now();
  absl::StatusOr<sim::SimulationResult> result = sim::RunSimulation(*catalogue, options);
  const double wall_s = absl::ToDoubleSeconds(absl::Now() - wall_start);
  if (!result.ok()) {
    std::cerr << "infaas-sim: " << result.status().message() << "\n";
    return 1;
  }
  const double simulated_s = absl::ToDoubleSeconds(result->simulated);
  if (!plot_path.empty()) {
    std::ofstream plot(plot_path);
    plot << sim::PlotSimulation(
        *result,
        absl::StrFormat("infaas-sim: policy %s, %d streams",
                        autoscaler::PolicyKindName(options.master.policy), options.streams.size()));
    if (!plot.flush()) {
      std::cerr << "infaas-sim: cannot write the plot to " << plot_path << "\n";
      return 1;
    }
  }
  if (json) {
    std::vector<std::string> parts;
    for (const sim::StreamResult& s : result->streams) {
      parts.push_back(absl::StrFormat(R"({"name":"%s","report":%s})", s.name,
                                      loadgen::FormatReportJson(s.report)));
    }
    std::cout << absl::StrFormat(
        R"({"policy":"%s","streams":[%s],"cost":{"worker_seconds":%.3f,"busy_core_seconds":%.3f},)"
        R"("actions":%d,"speed":{"events":%d,"simulated_s":%.3f,"wall_s":%.3f,"peak_rss_mib":%.1f}})"
        "\n",
        autoscaler::PolicyKindName(options.master.policy), absl::StrJoin(parts, ","),
        result->worker_seconds, result->busy_core_seconds, result->actions.size(), result->events,
        simulated_s, wall_s, PeakRssMiB());
    return 0;
  }
  for (const sim::StreamResult& s : result->streams) {
    std::cout << "== stream " << s.name << "\n" << loadgen::FormatReportText(s.report) << "\n";
  }
  std::cout << absl::StrFormat("== policy %s: %d actions\n",
                               autoscaler::PolicyKindName(options.master.policy),
                               result->actions.size());
  for (const sim::ActionAt& a : result->actions) {
    std::cout << absl::StrFormat("  %8.1f s  %s\n", absl::ToDoubleSeconds(a.at),
                                 autoscaler::Describe(a.action));
  }
  std::cout << absl::StrFormat(
      "== cost: %.1f worker-seconds (%.2f workers on average), %.1f busy core-seconds\n"
      "== speed: %d events, %.1f s simulated in %.2f s (%.0fx), %.0f events/s, peak RSS %.0f MiB\n",
      result->worker_seconds, result->worker_seconds / simulated_s, result->busy_core_seconds,
      result->events, simulated_s, wall_s, simulated_s / std::max(wall_s, 1e-9),
      static_cast<double>(result->events) / std::max(wall_s, 1e-9), PeakRssMiB());
  return 0;
}
