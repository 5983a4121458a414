#include "sim/simulation_plot.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "sim/svg_plot.h"

namespace infaas::sim {
namespace {

constexpr size_t kStreamsPlotted = 8;

// One point per interval, at its end; `value` NaN where it has no meaning.
PlotSeries Series(const std::string& name, const loadgen::LoadReport& report,
                  const std::function<double(const loadgen::IntervalStats&)>& value) {
  PlotSeries series{.name = name};
  for (const loadgen::IntervalStats& s : report.intervals) {
    series.points.emplace_back(absl::ToDoubleSeconds(s.start + s.length), value(s));
  }
  return series;
}

double Attainment(const loadgen::IntervalStats& s) {
  return s.sent > 0 ? s.slo_attainment : std::numeric_limits<double>::quiet_NaN();
}

double P99(const loadgen::IntervalStats& s) {
  return s.ok > 0 ? s.p99_ms : std::numeric_limits<double>::quiet_NaN();
}

// The streams with the most queries, at most kStreamsPlotted.
std::vector<const StreamResult*> Busiest(const SimulationResult& result) {
  std::vector<const StreamResult*> streams;
  for (const StreamResult& s : result.streams) streams.push_back(&s);
  std::stable_sort(streams.begin(), streams.end(),
                   [](const StreamResult* a, const StreamResult* b) {
                     return a->report.total.sent > b->report.total.sent;
                   });
  if (streams.size() > kStreamsPlotted) streams.resize(kStreamsPlotted);
  return streams;
}

}  // namespace

std::string PlotSimulation(const SimulationResult& result, const std::string& title) {
  PlotPanel load{.title = "load, all streams", .y_label = "queries/s"};
  load.series = {
      Series("offered", result.total, [](const auto& s) { return s.offered_qps; }),
      Series("achieved", result.total, [](const auto& s) { return s.achieved_qps; }),
      Series("goodput (within SLO)", result.total, [](const auto& s) { return s.goodput_qps; })};

  PlotPanel cluster{.title = "cluster", .y_label = "count"};
  PlotSeries workers{.name = "workers"}, instances{.name = "instances"};
  for (const ClusterSample& c : result.samples) {
    const double at = absl::ToDoubleSeconds(c.at);
    workers.points.emplace_back(at, c.workers);
    instances.points.emplace_back(at, c.instances);
  }
  cluster.series = {std::move(workers), std::move(instances)};

  const std::vector<const StreamResult*> busiest = Busiest(result);
  PlotPanel slo{.title = "queries answered within their SLO",
                .y_label = "share",
                .y_max = 1.0,
                .percent = true};
  PlotPanel p99{.title = "p99 latency of answered queries", .y_label = "ms"};
  if (result.streams.size() > 1) slo.series.push_back(Series("all", result.total, Attainment));
  for (const StreamResult* s : busiest) {
    slo.series.push_back(Series(s->name, s->report, Attainment));
    p99.series.push_back(Series(s->name, s->report, P99));
  }
  return RenderSvg(title, "time (s)", {load, cluster, slo, p99});
}

}  // namespace infaas::sim
