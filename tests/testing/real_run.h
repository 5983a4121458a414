#pragma once

// One open-loop rate schedule against one autoscaling policy on a real
// single-machine INFaaS (bench/autoscale,
// bench/sim-validation, tests/sim_validation_test): a fresh
// cluster — a master with --autoscaler POLICY and the local provisioner,
// one 1-core worker pinned to CPU 0, started ones on CPU 1, 2, ... (modulo
// the machine's) — warmed up until queries are answered, then the schedule:
// queries of `images` zoo images for `model` within `slo_ms`, Poisson
// arrivals. The cluster is sampled every 250 ms meanwhile.
//
//   ASSIGN_OR_RETURN(RealRun run, RunOnRealCluster({.policy = "infaas", .schedule = s}));
//   std::cout << run.report.total.slo_attainment << " " << run.mean_workers;

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infaas/v1/catalogue.pb.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_report.h"

namespace infaas::testing {

struct RealRunOptions {
  std::string policy = "infaas";
  loadgen::RateSchedule schedule = {};
  std::string model = "resnet_mini";
  int images = 8;
  double slo_ms = 50;
  int max_workers = 3;
  double time_scale = 0.5;  // the master's --scale-time-scale
  uint64_t seed = 1;        // of the arrivals
  absl::Duration report_interval = absl::Seconds(5);
};

struct RealRun {
  std::string policy;
  loadgen::LoadReport report;
  double mean_workers = 0;
  int peak_workers = 0;
  double mean_instances = 0;
  // The workers' own p99 (queue and run, no transport), the highest any
  // variant reported, averaged over the samples that had one.
  double worker_p99_ms = 0;
  int64_t failed = 0;  // sent and not answered OK
  // Seconds of warm-up (5 q/s) played before the schedule.
  int warmup_s = 0;
  // The variants the cluster registered (with their measured profiles).
  std::vector<v1::VariantRecord> catalogue;
  // The workers' "variant loaded" log lines (which variant, when, how long
  // the load took), warm-up included.
  std::vector<std::string> loads;
};

absl::StatusOr<RealRun> RunOnRealCluster(const RealRunOptions& options);

}  // namespace infaas::testing
