#pragma once

// One simulated run: a SimMaster and its emulated workers, and open-loop
// streams of queries (one per model and query form, each with its arrival
// schedule), recorded with the load generator's own report (the same one
// infaas-bench prints) plus what the run cost.
//
//   SimulationOptions options{.workers = 2, .streams = {{.name = "lenet5", ...}}};
//   ASSIGN_OR_RETURN(SimulationResult r, RunSimulation(catalogue, options));
//   std::cout << FormatReportText(r.streams[0].report);
//
// Deterministic: the same catalogue, options and seed give the same result,
// bit for bit. Arrivals are drawn as the run goes (memory does not grow with
// its length, only with the report's intervals and latencies). Runs on the
// calling thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/selector.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_report.h"
#include "sim/sim_master.h"

namespace infaas::sim {

// Queries of one form at one rate schedule.
struct Stream {
  std::string name;  // for the report
  controller::QueryRequirements requirements;
  loadgen::RateSchedule schedule;
  // Coefficient of variation of the gaps between arrivals: 1 is Poisson,
  // more is bursty (loadgen::ArrivalSource).
  double cv = 1;
  // A trace's arrivals (offsets from the start), played instead of the
  // schedule when set; `trace_path` names the file they come from
  // (ParseStream sets the path, the caller reads it: see ResolveTraces).
  std::string trace_path = {};
  std::optional<std::vector<absl::Duration>> trace = std::nullopt;
};

struct SimulationOptions {
  int workers = 1;  // started at once, never removed
  SimMaster::Options master{};
  std::vector<Stream> streams;
  // Played from the start and left out of the report, the streams starting
  // when it ends: e.g. what a real benchmark sends until its variant is
  // loaded (bench/sim-validation). Its schedule only (not a trace).
  std::optional<Stream> warmup = std::nullopt;
  uint64_t seed = 1;
  absl::Duration interval = absl::Seconds(1);  // of the reports and samples
  // After the last arrival, time for the answers to come back.
  absl::Duration drain = absl::Seconds(10);
};

// The cluster at the end of one interval.
struct ClusterSample {
  absl::Duration at;  // from the start of the streams
  int workers = 0;
  int instances = 0;
};

// One action of the scaling policy, and when (from the start).
struct ActionAt {
  absl::Duration at;
  autoscaler::ScalingAction action;
};

struct StreamResult {
  std::string name;
  loadgen::LoadReport report;
};

struct SimulationResult {
  std::vector<StreamResult> streams;
  loadgen::LoadReport total;  // every stream together (SLOs per query)
  std::vector<ClusterSample> samples;
  std::vector<ActionAt> actions;  // at: from the start of the streams (negative in the warm-up)
  double worker_seconds = 0;
  double busy_core_seconds = 0;
  int64_t events = 0;
  absl::Duration simulated;  // the streams and the drain after them (not the warm-up)
  // Conservation: every query sent got exactly one answer (warm-up ones not
  // counted).
  int64_t sent = 0;
  int64_t answered = 0;
};

absl::StatusOr<SimulationResult> RunSimulation(
    std::shared_ptr<const controller::Catalogue> catalogue, const SimulationOptions& options);

}  // namespace infaas::sim
