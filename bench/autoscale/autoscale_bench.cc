// bench/autoscale: the same open-loop rate schedule against each autoscaling
// policy, side by side.
//
// For each policy a fresh single-machine INFaaS starts (a master with
// --autoscaler POLICY and the local provisioner, one 1-core worker), warms
// the variant up, then plays the schedule: queries of N images for an
// architecture within an SLO, Poisson arrivals. Meanwhile the cluster is
// sampled every 250 ms. Prints per policy: SLO attainment, achieved
// throughput, p99 latency, failed queries (by code), mean and peak workers
// (cores in use: each worker offers one), mean instances; then ours against
// each baseline: throughput ratio and SLO violations ratio. Writes each
// policy's series as CSV to --plot-dir and draws them side by side
// (bench/plots): load, goodput and SLO attainment over time, latency CDFs.
//
//   build/bin/infaas_bench_autoscale [--schedule 10qps:10s,110qps:30s,10qps:25s]
//       [--policies infaas,infaas2021,individual,static] [--time-scale 0.5]
//       [--plot-dir bench-plots/autoscale]

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "loadgen/arrivals.h"
#include "plots.h"
#include "testing/real_run.h"

namespace {

using namespace infaas;

struct Flags {
  std::string schedule = "10qps:10s,110qps:30s,10qps:25s";
  std::string policies = "infaas,infaas2021,individual,static";
  std::string plot_dir = "bench-plots/autoscale";
  // What each real run plays (policy and schedule set per run).
  testing::RealRunOptions run{.max_workers = 3};
};

double Violations(const testing::RealRun& o) { return 1 - o.report.total.slo_attainment; }

// Each policy's intervals and latency distribution as CSV, and both plots.
absl::Status WritePlots(const std::vector<testing::RealRun>& outcomes, const Flags& flags) {
  std::vector<bench::PlotSeries> over_time, latency;
  for (const testing::RealRun& o : outcomes) {
    ASSIGN_OR_RETURN(
        std::filesystem::path intervals,
        bench::WriteCsv(flags.plot_dir, o.policy + ".csv", loadgen::FormatIntervalsCsv(o.report)));
    ASSIGN_OR_RETURN(std::filesystem::path cdf,
                     bench::WriteCsv(flags.plot_dir, o.policy + "-latency.csv",
                                     loadgen::FormatLatencyCdfCsv(o.report.latency_cdf)));
    over_time.push_back({o.policy, intervals});
    latency.push_back({o.policy, cdf});
  }
  const std::string title =
      absl::StrCat("bench/autoscale: ", flags.schedule, ", ", flags.run.images, " x ",
                   flags.run.model, " within ", flags.run.slo_ms, " ms");
  const std::filesystem::path dir(flags.plot_dir);
  RETURN_IF_ERROR(
      bench::Plot("load_over_time.gp", title, over_time, dir / "autoscale-over-time.svg"));
  return bench::Plot("latency_cdf.gp", title, latency, dir / "autoscale-latency-cdf.svg",
                     flags.run.slo_ms);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("bench/autoscale: one rate schedule against each autoscaling policy.",
               "infaas_bench_autoscale");
  app.add_option("--schedule", flags.schedule, "RATEqps:DURATION,...")->capture_default_str();
  app.add_option("--policies", flags.policies, "comma-separated")->capture_default_str();
  app.add_option("--model", flags.run.model, "zoo architecture queried")->capture_default_str();
  app.add_option("--images", flags.run.images, "images per query")->capture_default_str();
  app.add_option("--slo-ms", flags.run.slo_ms, "latency SLO of each query")->capture_default_str();
  app.add_option("--max-workers", flags.run.max_workers, "the master's --max-workers")
      ->capture_default_str();
  app.add_option("--time-scale", flags.run.time_scale, "the master's --scale-time-scale")
      ->capture_default_str();
  app.add_option("--seed", flags.run.seed, "arrival times seed")->capture_default_str();
  app.add_option("--plot-dir", flags.plot_dir, "where the CSV series and SVG plots go")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<loadgen::RateSchedule> schedule = loadgen::ParseRateSchedule(flags.schedule);
  if (!schedule.ok()) {
    std::cerr << schedule.status().message() << "\n";
    return 2;
  }
  std::vector<testing::RealRun> outcomes;
  for (absl::string_view policy : absl::StrSplit(flags.policies, ',', absl::SkipEmpty())) {
    testing::RealRunOptions run = flags.run;
    run.policy = std::string(policy);
    run.schedule = *schedule;
    absl::StatusOr<testing::RealRun> outcome = testing::RunOnRealCluster(run);
    if (!outcome.ok()) {
      std::cerr << policy << ": " << outcome.status() << "\n";
      return 1;
    }
    outcomes.push_back(*std::move(outcome));
  }

  std::cout << absl::StrFormat(
      "\nschedule %s; %d x %s image(s) per query within %g ms; workers of 1 core, at most %d; "
      "delays x%g; each worker pinned to its own CPU\n\n",
      flags.schedule, flags.run.images, flags.run.model, flags.run.slo_ms, flags.run.max_workers,
      flags.run.time_scale);
  std::cout << absl::StrFormat("%-11s %8s %9s %9s %8s %9s %9s %9s  %s\n", "policy", "in SLO",
                               "achieved", "p99 ms", "failed", "workers", "peak", "instances",
                               "failures by code");
  for (const testing::RealRun& o : outcomes) {
    std::vector<std::string> codes;
    for (const auto& [code, n] : o.report.total.errors) codes.push_back(absl::StrCat(code, " ", n));
    std::cout << absl::StrFormat("%-11s %7.1f%% %9.1f %9.1f %8d %9.2f %9d %9.2f  %s\n", o.policy,
                                 100 * o.report.total.slo_attainment, o.report.total.achieved_qps,
                                 o.report.total.p99_ms, o.failed, o.mean_workers, o.peak_workers,
                                 o.mean_instances,
                                 codes.empty() ? "-" : absl::StrJoin(codes, ", "));
  }
  const testing::RealRun& ours = outcomes.front();
  std::cout << "\n";
  for (size_t i = 1; i < outcomes.size(); ++i) {
    const testing::RealRun& base = outcomes[i];
    std::cout << absl::StrFormat(
        "%s vs %s: throughput x%.2f, SLO violations x%.2f fewer, mean workers x%.2f\n", ours.policy,
        base.policy,
        ours.report.total.achieved_qps / std::max(base.report.total.achieved_qps, 1e-9),
        Violations(base) / std::max(Violations(ours), 1e-9),
        ours.mean_workers / std::max(base.mean_workers, 1e-9));
  }
  bench::ReportPlots(flags.plot_dir, WritePlots(outcomes, flags));
  return 0;
}
