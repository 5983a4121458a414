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
// each baseline: throughput ratio and SLO violations ratio.
//
//   build/bin/infaas_bench_autoscale [--schedule 10qps:10s,110qps:30s,10qps:25s]
//       [--policies infaas,infaas2021,individual,static] [--time-scale 0.5]

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;
namespace fs = std::filesystem;

struct Flags {
  std::string schedule = "10qps:10s,110qps:30s,10qps:25s";
  std::string policies = "infaas,infaas2021,individual,static";
  std::string model = "resnet_mini";
  int images = 8;
  double slo_ms = 50;
  int max_workers = 3;
  double time_scale = 0.5;
  uint64_t seed = 1;
};

struct Outcome {
  std::string policy;
  loadgen::LoadReport report;
  double mean_workers = 0;
  int peak_workers = 0;
  double mean_instances = 0;
  int64_t failed = 0;
};

v1::QueryOnlineRequest Query(const Flags& flags) {
  v1::QueryOnlineRequest request;
  request.set_architecture(flags.model);
  request.set_latency_slo_ms(flags.slo_ms);
  std::vector<fs::path> samples;
  for (const auto& e :
       fs::directory_iterator(testing::TestCluster::SourceDir() / "models/zoo/samples")) {
    if (e.path().extension() == ".png") samples.push_back(e.path());
  }
  std::sort(samples.begin(), samples.end());
  for (int i = 0; i < flags.images; ++i) {
    request.add_inputs()->set_encoded_image(testing::ReadBytes(samples[i % samples.size()]));
  }
  return request;
}

// Samples workers and instances every 250 ms until `stop`.
void Sample(testing::TestCluster* cluster, absl::Notification* stop, Outcome* out) {
  int64_t samples = 0, workers = 0, instances = 0;
  while (!stop->WaitForNotificationWithTimeout(absl::Milliseconds(250))) {
    absl::StatusOr<v1::ClusterStatus> status = cluster->Status();
    if (!status.ok()) continue;
    ++samples;
    workers += status->workers_size();
    out->peak_workers = std::max(out->peak_workers, status->workers_size());
    for (const v1::WorkerStatus& w : status->workers()) {
      for (const v1::LoadedVariantStatus& v : w.variants()) instances += v.instances();
    }
  }
  if (samples > 0) {
    out->mean_workers = static_cast<double>(workers) / samples;
    out->mean_instances = static_cast<double>(instances) / samples;
  }
}

absl::StatusOr<Outcome> RunPolicy(const std::string& policy, const Flags& flags,
                                  const loadgen::RateSchedule& schedule) {
  std::cerr << "== " << policy << ": starting a cluster\n";
  absl::StatusOr<std::unique_ptr<testing::TestCluster>> cluster = testing::TestCluster::Start(
      {.workers = 1,
       .zoo_models = {flags.model},
       .master_flags = {"--autoscaler", policy, "--max-workers", absl::StrCat(flags.max_workers),
                        "--worker-cores", "1", "--pin-workers", "--scale-time-scale",
                        absl::StrCat(flags.time_scale)},
       .worker_cores = 1,
       // One core is one core: the first worker on CPU 0, started ones on
       // CPU 1, 2, ... (modulo the machine's).
       .worker_cpus = "0"});
  if (!cluster.ok()) return cluster.status();
  const v1::QueryOnlineRequest request = Query(flags);
  // Warm up until queries are answered: every policy starts with the variant loaded.
  for (int attempt = 0; attempt < 10; ++attempt) {
    loadgen::LoadRecorder warm(absl::Seconds(1), 0);
    RETURN_IF_ERROR(loadgen::RunOpenLoopLoad(
        (*cluster)->api(), request,
        {.arrivals = loadgen::PoissonArrivals({{5, absl::Seconds(1)}}, attempt + 100)}, &warm));
    if (warm.Report().total.ok > 0) break;
  }
  std::cerr << "== " << policy << ": playing " << flags.schedule << "\n";
  Outcome out;
  out.policy = policy;
  absl::Notification stop;
  std::thread sampler([&] { Sample(cluster->get(), &stop, &out); });
  loadgen::LoadRecorder recorder(absl::Seconds(5), flags.slo_ms);
  const absl::Status run = loadgen::RunOpenLoopLoad(
      (*cluster)->api(), request,
      {.arrivals = loadgen::PoissonArrivals(schedule, flags.seed), .timeout = absl::Seconds(30)},
      &recorder);
  stop.Notify();
  sampler.join();
  if (!run.ok()) return run;
  out.report = recorder.Report();
  out.failed = out.report.total.sent - out.report.total.ok;
  std::cerr << loadgen::FormatReportText(out.report);
  return out;
}

double Violations(const Outcome& o) { return 1 - o.report.total.slo_attainment; }

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("bench/autoscale: one rate schedule against each autoscaling policy.",
               "infaas_bench_autoscale");
  app.add_option("--schedule", flags.schedule, "RATEqps:DURATION,...")->capture_default_str();
  app.add_option("--policies", flags.policies, "comma-separated")->capture_default_str();
  app.add_option("--model", flags.model, "zoo architecture queried")->capture_default_str();
  app.add_option("--images", flags.images, "images per query")->capture_default_str();
  app.add_option("--slo-ms", flags.slo_ms, "latency SLO of each query")->capture_default_str();
  app.add_option("--max-workers", flags.max_workers, "the master's --max-workers")
      ->capture_default_str();
  app.add_option("--time-scale", flags.time_scale, "the master's --scale-time-scale")
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "arrival times seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<loadgen::RateSchedule> schedule = loadgen::ParseRateSchedule(flags.schedule);
  if (!schedule.ok()) {
    std::cerr << schedule.status().message() << "\n";
    return 2;
  }
  std::vector<Outcome> outcomes;
  for (absl::string_view policy : absl::StrSplit(flags.policies, ',', absl::SkipEmpty())) {
    absl::StatusOr<Outcome> outcome = RunPolicy(std::string(policy), flags, *schedule);
    if (!outcome.ok()) {
      std::cerr << policy << ": " << outcome.status() << "\n";
      return 1;
    }
    outcomes.push_back(*std::move(outcome));
  }

  std::cout << absl::StrFormat(
      "\nschedule %s; %d x %s image(s) per query within %g ms; workers of 1 core, at most %d; "
      "delays x%g; each worker pinned to its own CPU\n\n",
      flags.schedule, flags.images, flags.model, flags.slo_ms, flags.max_workers, flags.time_scale);
  std::cout << absl::StrFormat("%-11s %8s %9s %9s %8s %9s %9s %9s  %s\n", "policy", "in SLO",
                               "achieved", "p99 ms", "failed", "workers", "peak", "instances",
                               "failures by code");
  for (const Outcome& o : outcomes) {
    std::vector<std::string> codes;
    for (const auto& [code, n] : o.report.total.errors) codes.push_back(absl::StrCat(code, " ", n));
    std::cout << absl::StrFormat("%-11s %7.1f%% %9.1f %9.1f %8d %9.2f %9d %9.2f  %s\n", o.policy,
                                 100 * o.report.total.slo_attainment, o.report.total.achieved_qps,
                                 o.report.total.p99_ms, o.failed, o.mean_workers, o.peak_workers,
                                 o.mean_instances,
                                 codes.empty() ? "-" : absl::StrJoin(codes, ", "));
  }
  const Outcome& ours = outcomes.front();
  std::cout << "\n";
  for (size_t i = 1; i < outcomes.size(); ++i) {
    const Outcome& base = outcomes[i];
    std::cout << absl::StrFormat(
        "%s vs %s: throughput x%.2f, SLO violations x%.2f fewer, mean workers x%.2f\n", ours.policy,
        base.policy,
        ours.report.total.achieved_qps / std::max(base.report.total.achieved_qps, 1e-9),
        Violations(base) / std::max(Violations(ours), 1e-9),
        ours.mean_workers / std::max(base.mean_workers, 1e-9));
  }
  return 0;
}
