// bench/policies: every scaling policy on the same virtual cluster and the
// same traffic, in the simulator (src/sim) — the comparison issue 14 asks
// for. A generated catalogue of --architectures architectures; one stream
// per architecture with Zipf(1) shares of the load, each with an SLO of
// --slo-factor times its fastest variant's batch-1 latency. Scenarios:
//   diurnal   a compressed day (one period over --seconds, swing 0.8) with
//             bursts (Gamma gaps, CV 4), peaking at --peak of the capacity;
//   step      Poisson at a third of --peak, three times that for the middle
//             third of the run, then back.
// The cluster may grow to --workers workers of --cores cores; scaling
// policies start with a tenth of them, `static` with all.
//
// Per policy and scenario: throughput per core (OK answers per allocated
// core-second), SLO violations (queries not answered within their SLO:
// late, refused or failed), refusals (RESOURCE_EXHAUSTED), worker-hours,
// instance changes (actions that load or unload), and the simulator's
// speed. Goals (issue 14): infaas needs >= 1.3x fewer worker-hours than
// infaas2021 at equal or better SLO attainment, and has >= 1.6x fewer SLO
// violations. Not validated against real runs yet (docs/simulator.md).
//
//   build/bin/infaas_bench_policies [--workers 20] [--seconds 120]   # about 4 min

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "autoscaler/scaling_policy.h"
#include "common/logging.h"
#include "latency/latency_model.h"
#include "sim/generated_catalogue.h"
#include "sim/simulation.h"
#include "sim/simulation_plot.h"

namespace {

using namespace infaas;

struct Flags {
  int workers = 20;
  int cores = 2;
  int architectures = 20;
  double seconds = 120;
  double peak = 0.6;  // of the full cluster's capacity
  double slo_factor = 10;
  uint64_t seed = 1;
  std::string policies = "infaas,infaas2021,individual,static";
  std::string scenarios = "diurnal,step";
  std::string plot_dir;
};

struct Row {
  double throughput_per_core = 0;
  int64_t violations = 0;
  int64_t refusals = 0;
  int64_t sent = 0;
  double attainment = 0;
  double worker_hours = 0;
  int64_t instance_changes = 0;
  double wall_s = 0;
  int64_t events = 0;
  double simulated_s = 0;
  int peak_instances = 0;
};

// Per architecture: the fastest batch-1 latency and the fewest core-ms per
// query (at the variant's max batch).
struct ArchitectureCost {
  double fastest_b1_ms = 1e18;
  double core_ms_per_query = 1e18;
};

std::map<std::string, ArchitectureCost> Costs(const controller::Catalogue& catalogue) {
  std::map<std::string, ArchitectureCost> costs;
  for (const v1::VariantRecord& r : catalogue.variants) {
    ArchitectureCost& c = costs[r.config().architecture()];
    const int b = std::max(1, r.config().max_batch_size());
    c.fastest_b1_ms = std::min(c.fastest_b1_ms, latency::ProfileMedianMs(r.profile(), 1));
    c.core_ms_per_query =
        std::min(c.core_ms_per_query,
                 r.config().cpu_threads() * latency::ProfileMedianMs(r.profile(), b) / b);
  }
  return costs;
}

std::vector<sim::Stream> Streams(const Flags& flags, const controller::Catalogue& catalogue,
                                 bool diurnal) {
  const std::map<std::string, ArchitectureCost> costs = Costs(catalogue);
  double weight_sum = 0;
  std::vector<double> weights;
  for (int i = 0; i < flags.architectures; ++i) {
    weights.push_back(1.0 / (i + 1));
    weight_sum += weights.back();
  }
  // Capacity: every core busy with each architecture's cheapest variant.
  double core_ms = 0;
  for (int i = 0; i < flags.architectures; ++i) {
    core_ms += weights[i] / weight_sum * costs.at(sim::GeneratedArchitecture(i)).core_ms_per_query;
  }
  const double capacity_qps = flags.workers * flags.cores * 1000.0 / core_ms;
  const double peak_qps = flags.peak * capacity_qps;
  const absl::Duration length = absl::Seconds(flags.seconds);
  std::vector<sim::Stream> streams;
  for (int i = 0; i < flags.architectures; ++i) {
    const std::string arch = sim::GeneratedArchitecture(i);
    const double share = weights[i] / weight_sum;
    sim::Stream s;
    s.name = arch;
    s.requirements.architecture = arch;
    s.requirements.latency_slo_ms = flags.slo_factor * costs.at(arch).fastest_b1_ms;
    if (diurnal) {
      // Mean x (1 + 0.8) at the peak.
      s.schedule =
          loadgen::DiurnalSchedule(peak_qps * share / 1.8, 0.8, length, length, length / 96);
      s.cv = 4;
    } else {
      const double base = peak_qps * share / 3;
      s.schedule = {{.qps = base, .duration = length / 3},
                    {.qps = 3 * base, .duration = length / 3},
                    {.qps = base, .duration = length / 3}};
    }
    streams.push_back(std::move(s));
  }
  return streams;
}

Row Run(const Flags& flags, std::shared_ptr<const controller::Catalogue> catalogue,
        const std::string& policy, bool diurnal) {
  sim::SimulationOptions options;
  const bool scales = policy != "static";
  options.workers = scales ? std::max(1, flags.workers / 10) : flags.workers;
  options.master.policy = *autoscaler::ParsePolicyKind(policy);  // checked at the flag
  options.master.max_workers = scales ? flags.workers : 0;
  options.master.worker.cores = flags.cores;
  options.master.worker.noise_cv = 0.1;
  options.seed = flags.seed;
  options.interval = absl::Seconds(10);
  options.streams = Streams(flags, *catalogue, diurnal);
  const absl::Time start = absl::Now();
  absl::StatusOr<sim::SimulationResult> r = sim::RunSimulation(catalogue, options);
  Row row;
  row.wall_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (!r.ok()) {
    std::cerr << policy << ": " << r.status() << "\n";
    return row;
  }
  if (!flags.plot_dir.empty()) {
    const std::string scenario = diurnal ? "diurnal" : "step";
    std::ofstream(absl::StrCat(flags.plot_dir, "/", scenario, "-", policy, ".svg"))
        << sim::PlotSimulation(*r, absl::StrCat("bench/policies: ", scenario, ", policy ", policy));
  }
  int64_t attained = 0;
  for (const sim::StreamResult& s : r->streams) {
    attained += s.report.total.attained;
    row.sent += s.report.total.sent;
    row.refusals += s.report.total.refused;
  }
  row.violations = row.sent - attained;
  row.attainment = row.sent > 0 ? static_cast<double>(attained) / row.sent : 0;
  row.throughput_per_core = r->total.total.ok / (r->worker_seconds * flags.cores);
  row.worker_hours = r->worker_seconds / 3600;
  for (const sim::ActionAt& a : r->actions) {
    using Kind = autoscaler::ScalingAction::Kind;
    row.instance_changes += a.action.kind == Kind::kSetInstances || a.action.kind == Kind::kReplace;
  }
  row.events = r->events;
  row.simulated_s = absl::ToDoubleSeconds(r->simulated);
  for (const sim::ClusterSample& c : r->samples) {
    row.peak_instances = std::max(row.peak_instances, c.instances);
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  // One thread runs the whole simulation: Abseil's lock-order checks on
  // the control core's mutexes would cost a graph lookup per lock, for
  // nothing.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Flags flags;
  CLI::App app("bench/policies: every scaling policy on the same simulated cluster and traffic");
  app.add_option("--workers", flags.workers, "most workers")->capture_default_str();
  app.add_option("--cores", flags.cores, "cores per worker")->capture_default_str();
  app.add_option("--architectures", flags.architectures, "generated architectures")
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of each scenario")->capture_default_str();
  app.add_option("--peak", flags.peak, "peak load, as a share of the full cluster's capacity")
      ->capture_default_str();
  app.add_option("--slo-factor", flags.slo_factor,
                 "each stream's SLO over its fastest batch-1 latency")
      ->capture_default_str();
  app.add_option("--seed", flags.seed)->capture_default_str();
  app.add_option("--policies", flags.policies, "comma-separated")->capture_default_str();
  app.add_option("--scenarios", flags.scenarios, "comma-separated: diurnal, step")
      ->capture_default_str();
  app.add_option("--plot-dir", flags.plot_dir, "write each run's SVG there");
  CLI11_PARSE(app, argc, argv);
  // The simulated master's own log lines (workers joining, loads) would
  // drown the report: warnings and errors only.
  SetLogLevel(LogLevel::kWarning);
  const std::vector<std::string> policies = absl::StrSplit(flags.policies, ',', absl::SkipEmpty());
  for (const std::string& policy : policies) {
    if (absl::Status known = autoscaler::ParsePolicyKind(policy).status(); !known.ok()) {
      std::cerr << "--policies: " << known.message() << "\n";
      return 2;
    }
  }
  const std::vector<std::string> scenarios =
      absl::StrSplit(flags.scenarios, ',', absl::SkipEmpty());

  // Models of 2 to 50 ms at batch 1: a cluster's worth of load stays within
  // what the simulator runs in minutes.
  auto catalogue = sim::GenerateCatalogue(
      {.architectures = flags.architectures, .seed = flags.seed, .min_b1_ms = 2, .max_b1_ms = 50});
  std::cout << absl::StrFormat(
      "policies: %d architectures (generated), up to %d workers x %d cores, %.0f s per scenario, "
      "peak %.0f%% of capacity, SLO %.0fx the fastest batch-1 latency; simulated\n",
      flags.architectures, flags.workers, flags.cores, flags.seconds, 100 * flags.peak,
      flags.slo_factor);
  std::cout << "| scenario | policy | q/s per core | in SLO | SLO violations | refusals | "
               "worker-hours | instance changes | peak instances | queries | wall s | events/s | "
               "simulated/wall |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& scenario : scenarios) {
    if (scenario != "diurnal" && scenario != "step") {
      std::cerr << "unknown scenario " << scenario << " (diurnal, step)\n";
      return 2;
    }
    const bool diurnal = scenario == "diurnal";
    std::map<std::string, Row> rows;
    for (const std::string& policy : policies) {
      const Row row = Run(flags, catalogue, policy, diurnal);
      rows[policy] = row;
      std::cout << absl::StrFormat(
          "| %s | %s | %.1f | %.2f%% | %d | %d | %.3f | %d | %d | %d | %.1f | %.0f | %.1fx |\n",
          diurnal ? "diurnal+bursts" : "step 3x", policy, row.throughput_per_core,
          100 * row.attainment, row.violations, row.refusals, row.worker_hours,
          row.instance_changes, row.peak_instances, row.sent, row.wall_s,
          static_cast<double>(row.events) / std::max(row.wall_s, 1e-9),
          row.simulated_s / std::max(row.wall_s, 1e-9));
    }
    // Issue 30: the simulator keeps up with 1,000 workers. Measured over
    // the traffic (--seconds), not the quiet drain after it, which the
    // table's simulated/wall column includes.
    if (flags.workers >= 1000 && rows.contains("static") && !diurnal) {
      const Row& r = rows["static"];
      const double speed = flags.seconds / std::max(r.wall_s, 1e-9);
      std::cout << absl::StrFormat(
          "%d workers, static, step (%.0f q/s offered on average): %.2fx real time over the "
          "traffic, %.1fx with the drain (goal >= 6x over the traffic: %s)\n",
          flags.workers, static_cast<double>(r.sent) / flags.seconds, speed,
          r.simulated_s / std::max(r.wall_s, 1e-9), speed >= 6 ? "met" : "NOT MET");
    }
    if (flags.workers >= 1000 && flags.seconds >= 3600) {
      for (const auto& [policy, r] : rows) {
        std::cout << absl::StrFormat(
            "%s, %s: one simulated hour of %d workers in %.0f s of wall time (goal <= 600 s: %s)\n",
            policy, diurnal ? "diurnal+bursts" : "step 3x", flags.workers, r.wall_s,
            r.wall_s <= 600 ? "met" : "NOT MET");
      }
    }
    if (!rows.contains("infaas") || !rows.contains("infaas2021")) continue;
    const Row& ours = rows["infaas"];
    const Row& original = rows["infaas2021"];
    const double hours_ratio = original.worker_hours / std::max(1e-9, ours.worker_hours);
    const double violation_ratio =
        static_cast<double>(original.violations) / std::max<int64_t>(1, ours.violations);
    std::cout << absl::StrFormat(
        "%s: infaas2021/infaas worker-hours %.2fx (goal >= 1.3x at equal or better attainment: "
        "%s); SLO violations %.2fx (goal >= 1.6x: %s)\n",
        diurnal ? "diurnal+bursts" : "step 3x", hours_ratio,
        hours_ratio >= 1.3 && ours.attainment >= original.attainment ? "met" : "NOT MET",
        violation_ratio, violation_ratio >= 1.6 ? "met" : "NOT MET");
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::cout << absl::StrFormat("peak RSS %.0f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  return 0;
}
