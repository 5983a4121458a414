// bench/overload: does the latency promise hold from half to three times
// what the hardware can do?
//
// One single-machine INFaaS with one worker pinned to CPU 0 offering one
// core and no scaling (--autoscaler static), queried for an architecture
// within an SLO (default: 8 resnet_mini images within 50 ms), open loop with
// Poisson arrivals:
//   1. capacity: the highest offered rate at which >= 99% of the queries
//      are answered within the SLO (doubling, then bisecting, short probes;
//      a probe that misses is repeated once, so that one burst of noise
//      from the rest of the machine does not set the capacity);
//   2. steps at 0.5x, 1x, 1.5x, 2x and 3x that rate, each settling first,
//      then measured;
//   3. per step: goodput (answered within the SLO per second), the share of
//      answered queries within the SLO, refusals (RESOURCE_EXHAUSTED), p50
//      and p99 of answered queries, p99 time to a refusal, and the latency
//      model's error |predicted - measured| / measured (p50, p90);
// then the goals beside the figures, each marked met or NOT MET. The steps
// go to --plot-dir as CSV and as plots (bench/plots): goodput and SLO
// attainment against the offered load, and each step's latency CDF.
//
// The bench (its load generator) and the master run on the other CPUs, so
// that CPU 0 is the worker's alone: what is measured is the latency promise
// on that core, not the load generator competing for it.
//
//   build/bin/infaas_bench_overload [--model resnet_mini] [--images 8] [--slo-ms 50]
//       [--probe-seconds 4] [--settle-seconds 3] [--step-seconds 10] [--json]
//       [--plot-dir bench-plots/overload]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/cpu_affinity.h"
#include "common/status_macros.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"
#include "plots.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;

struct Flags {
  std::string model = "resnet_mini";
  int images = 8;
  double slo_ms = 50;
  double probe_seconds = 4;
  double settle_seconds = 3;
  double step_seconds = 10;
  uint64_t seed = 7;
  bool json = false;
  std::string plot_dir = "bench-plots/overload";
};

struct Step {
  double multiple = 0;
  loadgen::IntervalStats stats;
  std::vector<loadgen::CdfPoint> latency_cdf;
};

v1::QueryOnlineRequest Query(const Flags& flags) {
  v1::QueryOnlineRequest request;
  request.set_architecture(flags.model);
  request.set_latency_slo_ms(flags.slo_ms);
  const std::vector<std::filesystem::path> samples = testing::SampleImages();
  for (int i = 0; i < flags.images; ++i) {
    request.add_inputs()->set_encoded_image(testing::ReadBytes(samples[i % samples.size()]));
  }
  return request;
}

// Offers `qps` for `seconds` and returns the whole run's figures.
absl::StatusOr<loadgen::LoadReport> Offer(testing::TestCluster& cluster,
                                          const v1::QueryOnlineRequest& request, double qps,
                                          double seconds, double slo_ms, uint64_t seed) {
  const absl::Duration length = absl::Seconds(seconds);
  loadgen::LoadRecorder recorder(length, slo_ms);
  RETURN_IF_ERROR(
      loadgen::RunOpenLoopLoad(cluster.api(), request,
                               {.arrivals = loadgen::PoissonArrivals({{qps, length}}, seed),
                                .timeout = absl::Seconds(5),
                                .drain = absl::Seconds(6)},
                               &recorder));
  return recorder.Report();
}

// The highest rate with >= 99% of queries within the SLO.
absl::StatusOr<double> MeasureCapacity(testing::TestCluster& cluster,
                                       const v1::QueryOnlineRequest& request, const Flags& flags) {
  uint64_t seed = flags.seed;
  auto meets = [&](double qps) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(loadgen::LoadReport report,
                     Offer(cluster, request, qps, flags.probe_seconds, flags.slo_ms, ++seed));
    loadgen::IntervalStats s = report.total;
    std::cerr << absl::StrFormat("   probe %7.1f qps: %5.1f%% within SLO\n", qps,
                                 100 * s.slo_attainment);
    if (s.slo_attainment >= 0.99) return true;
    ASSIGN_OR_RETURN(report,
                     Offer(cluster, request, qps, flags.probe_seconds, flags.slo_ms, ++seed));
    s = report.total;
    std::cerr << absl::StrFormat("   again %7.1f qps: %5.1f%% within SLO\n", qps,
                                 100 * s.slo_attainment);
    return s.slo_attainment >= 0.99;
  };
  double lo = 0;
  double hi = 10;
  while (hi < 5000) {
    ASSIGN_OR_RETURN(bool ok, meets(hi));
    if (!ok) break;
    lo = hi;
    hi *= 2;
  }
  for (int i = 0; i < 4; ++i) {
    const double mid = (lo + hi) / 2;
    ASSIGN_OR_RETURN(bool ok, meets(mid));
    (ok ? lo : hi) = mid;
  }
  return std::max(lo, 1.0);
}

std::string Mark(bool met) { return met ? "met" : "NOT MET"; }

// The steps as CSV (one row per step; one latency CDF per step) and plots.
absl::Status WritePlots(const std::vector<Step>& steps, const Flags& flags) {
  std::string rows =
      "offered_x,offered_qps,goodput_qps,slo_attainment,answered_in_slo,refused_qps,p50_ms,"
      "p99_ms\n";
  std::vector<bench::PlotSeries> latency;
  for (const Step& s : steps) {
    const loadgen::IntervalStats& t = s.stats;
    const double seconds = std::max(absl::ToDoubleSeconds(t.length), 1e-9);
    absl::StrAppend(&rows, absl::StrFormat("%g,%g,%g,%g,%g,%g,%g,%g\n", s.multiple, t.offered_qps,
                                           t.goodput_qps, t.slo_attainment, t.answered_in_slo,
                                           t.refused / seconds, t.p50_ms, t.p99_ms));
    const std::string label = absl::StrFormat("%.1fx", s.multiple);
    ASSIGN_OR_RETURN(std::filesystem::path cdf,
                     bench::WriteCsv(flags.plot_dir, absl::StrCat("step-", label, "-latency.csv"),
                                     loadgen::FormatLatencyCdfCsv(s.latency_cdf)));
    latency.push_back({label, cdf});
  }
  ASSIGN_OR_RETURN(std::filesystem::path steps_csv,
                   bench::WriteCsv(flags.plot_dir, "steps.csv", rows));
  const std::string title = absl::StrFormat("bench/overload: %d x %s within %g ms, one core",
                                            flags.images, flags.model, flags.slo_ms);
  const std::filesystem::path dir(flags.plot_dir);
  RETURN_IF_ERROR(bench::Plot("versus_load.gp", title, {{"infaas", steps_csv}},
                              dir / "overload-versus-load.svg"));
  return bench::Plot("latency_cdf.gp", title, latency, dir / "overload-latency-cdf.svg",
                     flags.slo_ms);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("bench/overload: goodput, SLO attainment and refusals from 0.5x to 3x capacity.",
               "infaas_bench_overload");
  app.add_option("--model", flags.model, "zoo architecture queried")->capture_default_str();
  app.add_option("--images", flags.images, "images per query")->capture_default_str();
  app.add_option("--slo-ms", flags.slo_ms, "latency SLO of each query")->capture_default_str();
  app.add_option("--probe-seconds", flags.probe_seconds, "length of each capacity probe")
      ->capture_default_str();
  app.add_option("--settle-seconds", flags.settle_seconds, "load before each measured step")
      ->capture_default_str();
  app.add_option("--step-seconds", flags.step_seconds, "measured length of each step")
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "arrival times seed")->capture_default_str();
  app.add_flag("--json", flags.json, "also print the steps as JSON lines");
  app.add_option("--plot-dir", flags.plot_dir, "where the CSV series and SVG plots go")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // The master (a child) inherits this affinity; the worker pins itself to 0.
  std::vector<int> others;
  for (int cpu = 1; cpu < static_cast<int>(std::thread::hardware_concurrency()); ++cpu) {
    others.push_back(cpu);
  }
  if (!others.empty()) {
    if (absl::Status pinned = PinProcessToCpus(others); !pinned.ok()) {
      std::cerr << "pinning the bench and the master to CPUs " << FormatCpuList(others)
                << " failed: " << pinned << "\n";
      return 1;
    }
  }
  std::cerr << "starting a cluster: one worker of one core pinned to CPU 0, no scaling; "
            << "the bench and the master on CPUs " << (others.empty() ? "0" : FormatCpuList(others))
            << "\n";
  absl::StatusOr<std::unique_ptr<testing::TestCluster>> cluster =
      testing::TestCluster::Start({.workers = 1,
                                   .zoo_models = {flags.model},
                                   .master_flags = {"--autoscaler", "static"},
                                   .worker_cores = 1,
                                   .worker_cpus = "0"});
  if (!cluster.ok()) {
    std::cerr << cluster.status() << "\n";
    return 1;
  }
  const v1::QueryOnlineRequest request = Query(flags);
  // Warm up: the variants a query wants are loaded, and have run.
  for (int i = 0; i < 3; ++i) {
    (void)Offer(**cluster, request, 5, 2, flags.slo_ms, flags.seed + 1000 + i);
  }
  std::cerr << "measuring the capacity\n";
  absl::StatusOr<double> capacity = MeasureCapacity(**cluster, request, flags);
  if (!capacity.ok()) {
    std::cerr << capacity.status() << "\n";
    return 1;
  }
  std::vector<Step> steps;
  for (double multiple : {0.5, 1.0, 1.5, 2.0, 3.0}) {
    const double qps = multiple * *capacity;
    std::cerr << absl::StrFormat("step %.1fx: %.1f qps\n", multiple, qps);
    (void)Offer(**cluster, request, qps, flags.settle_seconds, flags.slo_ms, flags.seed + 2000);
    absl::StatusOr<loadgen::LoadReport> report =
        Offer(**cluster, request, qps, flags.step_seconds, flags.slo_ms, flags.seed + 3000);
    if (!report.ok()) {
      std::cerr << report.status() << "\n";
      return 1;
    }
    steps.push_back({multiple, report->total, report->latency_cdf});
  }

  std::cout << absl::StrFormat(
      "\n%d x %s image(s) per query within %g ms; one worker, one core (CPU 0, its own), "
      "no scaling\n"
      "capacity (>= 99%% of queries within the SLO): %.1f queries/s\n\n",
      flags.images, flags.model, flags.slo_ms, *capacity);
  std::cout << absl::StrFormat("%5s %8s %8s %9s %10s %8s %8s %8s %11s %9s %9s  %s\n", "step",
                               "offered", "goodput", "answered", "in SLO of", "refused", "p50 ms",
                               "p99 ms", "refusal p99", "pred p50", "pred p90", "other errors");
  for (const Step& s : steps) {
    std::vector<std::string> other;
    for (const auto& [code, n] : s.stats.errors) {
      if (code != "RESOURCE_EXHAUSTED") other.push_back(absl::StrCat(code, " ", n));
    }
    std::cout << absl::StrFormat(
        "%4.1fx %8.1f %8.1f %9d %9.2f%% %8d %8.2f %8.2f %8.2f ms %8.0f%% %8.0f%%  %s\n", s.multiple,
        s.stats.offered_qps, s.stats.goodput_qps, s.stats.ok, 100 * s.stats.answered_in_slo,
        s.stats.refused, s.stats.p50_ms, s.stats.p99_ms, s.stats.refusal_p99_ms,
        100 * s.stats.prediction_error_p50, 100 * s.stats.prediction_error_p90,
        other.empty() ? "-" : absl::StrJoin(other, ", "));
    if (flags.json) {
      std::cout << absl::StrFormat(
          "{\"multiple\":%.1f,\"offered_qps\":%.3f,\"goodput_qps\":%.3f,\"answered\":%d,"
          "\"answered_in_slo\":%.5f,\"refused\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
          "\"refusal_p99_ms\":%.3f,\"prediction_error_p50\":%.4f,"
          "\"prediction_error_p90\":%.4f}\n",
          s.multiple, s.stats.offered_qps, s.stats.goodput_qps, s.stats.ok, s.stats.answered_in_slo,
          s.stats.refused, s.stats.p50_ms, s.stats.p99_ms, s.stats.refusal_p99_ms,
          s.stats.prediction_error_p50, s.stats.prediction_error_p90);
    }
  }
  const loadgen::IntervalStats& at1 = steps[1].stats;
  const loadgen::IntervalStats& at3 = steps[4].stats;
  // No goodput at 1x is a failure of its own, not an infinite ratio.
  const bool ratio_known = at1.goodput_qps > 0;
  const double goodput_ratio = ratio_known ? at3.goodput_qps / at1.goodput_qps : 0;
  double worst_in_slo = 1;
  double worst_refusal_p99 = 0;
  double worst_error_p50 = 0;
  for (const Step& s : steps) {
    worst_in_slo = std::min(worst_in_slo, s.stats.answered_in_slo);
    worst_refusal_p99 = std::max(worst_refusal_p99, s.stats.refusal_p99_ms);
    worst_error_p50 = std::max(worst_error_p50, s.stats.prediction_error_p50);
  }
  std::cout << "\ngoals:\n"
            << absl::StrFormat("  goodput at 3x / goodput at 1x      %6s   goal >= 0.90   %s\n",
                               ratio_known ? absl::StrFormat("%.2f", goodput_ratio) : "n/a",
                               Mark(ratio_known && goodput_ratio >= 0.9))
            << absl::StrFormat("  answered within SLO, worst step   %6.2f%%  goal >= 99.9%%  %s\n",
                               100 * worst_in_slo, Mark(worst_in_slo >= 0.999))
            << absl::StrFormat("  p99 time to a refusal, worst step %6.2f ms goal <= 2 ms   %s\n",
                               worst_refusal_p99, Mark(worst_refusal_p99 <= 2))
            << absl::StrFormat("  prediction error p50, worst step  %6.0f%%  goal <= 20%%    %s\n",
                               100 * worst_error_p50, Mark(worst_error_p50 <= 0.2));
  bench::ReportPlots(flags.plot_dir, WritePlots(steps, flags));
  return 0;
}
