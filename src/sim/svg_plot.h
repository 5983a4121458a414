#pragma once

// RenderSvg: a simulated run's time series as one self-contained SVG
// document — panels stacked vertically over a shared x axis, each with its
// own y axis, "nice" ticks (1, 2 or 5 x 10^k, about five per axis), grid
// lines, one line per series in a fixed colour-blind-safe palette
// (Okabe–Ito; dashed on its second cycle) and a legend right of the plot.
//
//   PlotPanel load{.title = "offered and achieved load", .y_label = "queries/s",
//                  .series = {{"offered", offered}, {"achieved", achieved}}};
//   PlotPanel slo{.title = "within SLO", .y_label = "share", .series = {{"lenet5", met}},
//                 .y_max = 1, .percent = true};
//   std::string svg = RenderSvg("infaas, 2 workers", "time (s)", {load, slo});
//
// The x range covers every finite x of every panel (0..1 when there is
// none); a value outside a panel's y range is clipped at the plot's edge.
// A non-finite y (or x) breaks its series' line; a run of a single point is
// drawn as a dot. Long series are decimated to the plot's resolution: per
// horizontal pixel at most two points, the lowest and the highest, so a
// one-sample spike survives; a break narrower than a pixel is not drawn.
// All text is XML-escaped. Width 900 px; each panel 220 px high, plus a
// header with the title and a footer with the x axis.
//
// Pure; thread-safe.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace infaas::sim {

struct PlotSeries {
  std::string name{};  // in the legend
  // (x, y) in ascending x; a non-finite y is skipped and breaks the line.
  std::vector<std::pair<double, double>> points{};
};

struct PlotPanel {
  std::string title{};    // above the plot, e.g. "offered and achieved load"
  std::string y_label{};  // beside the y axis, e.g. "queries/s"
  std::vector<PlotSeries> series{};
  double y_min = 0;
  // None: the data's maximum plus 5% of its distance from y_min as headroom
  // (y_min + 1 when no value is above y_min); always at least y_min + 1e-9.
  std::optional<double> y_max{};
  // Tick labels as percentages of 1: 0.95 reads "95%".
  bool percent = false;
};

// The SVG document (starting "<svg", ending "</svg>\n"): `title` on top,
// `panels` in order, `x_label` under the last one. No panels: the title only.
std::string RenderSvg(const std::string& title, const std::string& x_label,
                      const std::vector<PlotPanel>& panels);

}  // namespace infaas::sim
