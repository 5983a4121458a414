#pragma once

// The simulated twin of a real run (real_run.h): infaas-sim (src/sim) with
// the catalogue the real cluster registered — its measured profiles — the
// same arrival times (Poisson, same seed), warm-up, worker size, worker
// limit and policy time scale, and the figures that validation compares
// (bench/sim-validation, tests/sim_validation_test).
//
//   ASSIGN_OR_RETURN(RealRun real, RunOnRealCluster(options));
//   ASSIGN_OR_RETURN(RunFigures sim, SimulateRealRun(options, real, {}));
//   RunFigures measured = FiguresOf(real);

#include <string>

#include "absl/status/statusor.h"
#include "testing/real_run.h"

namespace infaas::testing {

// What the simulator does not measure, the same for every scenario.
struct SimCalibration {
  double worker_startup_s = 1.5;
  double call_overhead_us = 600;  // a master-worker round trip, image decoding included
  // Each batch's time varies as the profile says (its p99 over its median).
  bool profile_noise = true;
  std::string plot_path;  // when set, the simulated run's SVG goes there
};

struct RunFigures {
  double attainment = 0;  // 0..1
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_workers = 0;
  double mean_instances = 0;
};

RunFigures FiguresOf(const RealRun& real);

absl::StatusOr<RunFigures> SimulateRealRun(const RealRunOptions& options, const RealRun& real,
                                           const SimCalibration& calibration);

}  // namespace infaas::testing
