#pragma once

// PlotSimulation: a simulated run over time, as an SVG document (svg_plot.h)
// of four panels — the load (offered, achieved and goodput, all streams
// together), the cluster (workers and loaded instances), the share of
// queries answered within their SLO (in total and per stream, the eight
// busiest), and the p99 latency per stream (the same eight).
//
//   std::ofstream("run.svg") << PlotSimulation(result, "infaas, step 3x");
//
// Pure; thread-safe.

#include <string>

#include "sim/simulation.h"

namespace infaas::sim {

std::string PlotSimulation(const SimulationResult& result, const std::string& title);

}  // namespace infaas::sim
