#include "testing/sim_replay.h"

#include <algorithm>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "autoscaler/scaling_policy.h"
#include "common/status_macros.h"
#include "sim/simulation.h"
#include "sim/simulation_plot.h"

namespace infaas::testing {

RunFigures FiguresOf(const RealRun& real) {
  return {.attainment = real.report.total.slo_attainment,
          .p50_ms = real.report.total.p50_ms,
          .p99_ms = real.report.total.p99_ms,
          .mean_workers = real.mean_workers,
          .mean_instances = real.mean_instances};
}

absl::StatusOr<RunFigures> SimulateRealRun(const RealRunOptions& run, const RealRun& real,
                                           const SimCalibration& calibration) {
  auto catalogue = std::make_shared<controller::Catalogue>();
  catalogue->variants = real.catalogue;
  sim::SimulationOptions options;
  options.workers = 1;
  options.seed = run.seed;
  ASSIGN_OR_RETURN(options.master.policy, autoscaler::ParsePolicyKind(run.policy));
  options.master.max_workers = run.max_workers;
  options.master.scaling.time_scale = run.time_scale;
  options.master.worker.cores = 1;
  options.master.worker.profile_noise = calibration.profile_noise;
  options.master.worker_startup = absl::Milliseconds(calibration.worker_startup_s * 1000);
  options.master.call_overhead = absl::Microseconds(calibration.call_overhead_us);
  options.master.client_timeout = absl::Seconds(30);  // the real run's
  options.interval = absl::Milliseconds(250);         // the real run's sampling period
  options.drain = absl::Seconds(2);
  sim::Stream stream;
  stream.name = run.model;
  stream.requirements.architecture = run.model;
  stream.requirements.latency_slo_ms = run.slo_ms;
  stream.requirements.batch_size = run.images;
  stream.schedule = run.schedule;
  options.streams = {stream};
  // The real run's warm-up: 5 q/s for as long as it took there.
  sim::Stream warmup = stream;
  warmup.schedule = {{.qps = 5, .duration = absl::Seconds(std::max(real.warmup_s, 1))}};
  options.warmup = warmup;
  absl::StatusOr<sim::SimulationResult> r = sim::RunSimulation(catalogue, options);
  if (!r.ok()) return r.status();
  if (!calibration.plot_path.empty()) {
    std::ofstream(calibration.plot_path)
        << sim::PlotSimulation(*r, absl::StrCat("infaas-sim: ", run.policy));
  }
  RunFigures f;
  f.attainment = r->total.total.slo_attainment;
  f.p50_ms = r->streams[0].report.total.p50_ms;
  f.p99_ms = r->streams[0].report.total.p99_ms;
  // Over the schedule, as the real run samples it.
  const absl::Duration length = loadgen::TotalDuration(run.schedule);
  int samples = 0;
  for (const sim::ClusterSample& s : r->samples) {
    if (s.at > length) break;
    ++samples;
    f.mean_workers += s.workers;
    f.mean_instances += s.instances;
  }
  if (samples > 0) {
    f.mean_workers /= samples;
    f.mean_instances /= samples;
  }
  return f;
}

}  // namespace infaas::testing
