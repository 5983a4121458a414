#include "sim/svg_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace infaas::sim {
namespace {

// Layout, in px. A panel is its title row, the plot, and a gap below; the
// legend sits in a column right of the plots.
constexpr double kWidth = 900;
constexpr double kPanelHeight = 220;
constexpr double kHeaderHeight = 36;  // the document's title
constexpr double kFooterHeight = 44;  // x tick labels and x label
constexpr double kPlotLeft = 72;
constexpr double kPlotRight = 740;
constexpr double kPlotTopInset = 30;
constexpr double kPlotBottomInset = 14;
constexpr double kLegendLeft = kPlotRight + 12;
constexpr double kLegendRowHeight = 16;

// Okabe & Ito's palette, distinguishable under the common colour-vision
// deficiencies; yellow last, as it is faint on white.
constexpr std::array<const char*, 8> kPalette = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                 "#CC79A7", "#56B4E9", "#000000", "#F0E442"};

struct Range {
  double lo = 0;
  double hi = 1;
};

struct Frame {
  double left, top, width, height;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

struct Pixel {
  double x, y;
};

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        // XML 1.0 forbids the other control characters, even as references.
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

std::string Number(double v) { return absl::StrFormat("%g", v); }

// A coordinate: one decimal, without a trailing ".0".
std::string Px(double v) {
  std::string s = absl::StrFormat("%.1f", v);
  if (absl::EndsWith(s, ".0")) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

std::string TickLabel(double v, bool percent) {
  return percent ? absl::StrCat(Number(v * 100), "%") : Number(v);
}

// Where `v` lies in `r`, 0 at lo and 1 at hi (0 when that overflows).
double Fraction(double v, Range r) {
  const double f = (v - r.lo) / (r.hi - r.lo);
  return std::isfinite(f) ? f : 0;
}

double ToPixelX(double x, Range r, const Frame& frame) {
  return frame.left + Fraction(x, r) * frame.width;
}

// Clamped to within a plot's height of the plot (the clip path hides what
// is outside), so a huge value does not print a huge coordinate.
double ToPixelY(double y, Range r, const Frame& frame) {
  return std::clamp(frame.bottom() - Fraction(y, r) * frame.height, frame.top - frame.height,
                    frame.bottom() + frame.height);
}

// About five ticks at multiples of 1, 2 or 5 x 10^k inside `r`.
std::vector<double> NiceTicks(Range r) {
  const double span = r.hi - r.lo;
  if (!std::isfinite(span) || span <= 0) return {};
  const double raw = span / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = magnitude * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
  // The tolerance keeps an end that is a multiple but for rounding (0.3 of 0..0.3).
  const double first = std::ceil(r.lo / step - 1e-9);
  const double last = std::floor(r.hi / step + 1e-9);
  std::vector<double> ticks;
  if (!(last - first < 100)) return ticks;  // a degenerate step (NaN, 0)
  // `+ 0.0` turns the -0 of ceil(-0.3) into 0, which prints without a sign.
  for (double k = first; k <= last; ++k) ticks.push_back(k * step + 0.0);
  return ticks;
}

// A range with hi > lo: a single value gets a margin on either side.
Range Widened(Range r) {
  if (r.hi > r.lo) return r;
  const double pad = r.lo == 0 ? 0.5 : std::abs(r.lo) * 0.05;
  return {r.lo - pad, r.hi + pad};
}

Range XRange(const std::vector<PlotPanel>& panels) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const PlotPanel& panel : panels) {
    for (const PlotSeries& series : panel.series) {
      for (const auto& [x, y] : series.points) {
        if (!std::isfinite(x)) continue;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
  }
  if (lo > hi) return {0, 1};
  return Widened({lo, hi});
}

Range YRange(const PlotPanel& panel) {
  const double lo = std::isfinite(panel.y_min) ? panel.y_min : 0;
  double hi = lo + 1;  // nothing above y_min: a unit range
  if (panel.y_max.has_value() && std::isfinite(*panel.y_max)) {
    hi = *panel.y_max;
  } else {
    double data_max = -std::numeric_limits<double>::infinity();
    for (const PlotSeries& series : panel.series) {
      for (const auto& [x, y] : series.points) {
        if (std::isfinite(y)) data_max = std::max(data_max, y);
      }
    }
    if (data_max > lo) {
      hi = data_max + 0.05 * (data_max - lo);
      if (!std::isfinite(hi)) hi = data_max;
    }
  }
  if (!(hi >= lo + 1e-9)) hi = lo + 1e-9;
  // A y_min so large that 1e-9 does not register.
  if (!(hi > lo)) hi = lo + std::abs(lo) * 1e-9;
  return {lo, hi};
}

// The points of one pixel column: its lowest and highest, in data order.
struct Column {
  struct Sample {
    double x, y;
    size_t index;
  };
  int64_t index;
  Sample low, high;

  void AppendTo(std::vector<Pixel>& run, Range xr, Range yr, const Frame& frame) const {
    const Sample& first = low.index <= high.index ? low : high;
    const Sample& second = low.index <= high.index ? high : low;
    run.push_back({ToPixelX(first.x, xr, frame), ToPixelY(first.y, yr, frame)});
    if (second.index != first.index) {
      run.push_back({ToPixelX(second.x, xr, frame), ToPixelY(second.y, yr, frame)});
    }
  }
};

// The series' unbroken runs in pixels, at most two points per pixel column
// (so a series costs O(width) to draw however long it is). A break is drawn
// only where the finite points either side are at least a pixel apart: a
// narrower gap would not show, and drawing it would let a series with
// alternate gaps cost O(points) runs.
std::vector<std::vector<Pixel>> Decimate(const std::vector<std::pair<double, double>>& points,
                                         Range xr, Range yr, const Frame& frame) {
  std::vector<std::vector<Pixel>> runs(1);
  std::optional<Column> column;
  double last_x = 0;  // of the latest finite point, in pixels from the plot's left
  bool gap = false;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto [x, y] = points[i];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      gap = column.has_value();
      continue;
    }
    const double px = Fraction(x, xr) * frame.width;
    const bool wide_gap = gap && std::abs(px - last_x) >= 1;
    gap = false;
    last_x = px;
    const auto index = static_cast<int64_t>(std::clamp(std::floor(px), 0.0, frame.width));
    const Column::Sample sample{x, y, i};
    if (column.has_value() && column->index == index) {
      if (y < column->low.y) column->low = sample;
      if (y > column->high.y) column->high = sample;
      continue;
    }
    if (column.has_value()) {
      column->AppendTo(runs.back(), xr, yr, frame);
      if (wide_gap) runs.emplace_back();
    }
    column = Column{index, sample, sample};
  }
  if (column.has_value()) column->AppendTo(runs.back(), xr, yr, frame);
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

std::string Stroke(size_t series_index) {
  const char* colour = kPalette[series_index % kPalette.size()];
  const bool dashed = (series_index / kPalette.size()) % 2 == 1;
  return absl::StrCat(R"(stroke=")", colour, R"(")", dashed ? R"( stroke-dasharray="6 3")" : "");
}

void AppendSeries(std::string& out, const PlotSeries& series, size_t series_index, Range xr,
                  Range yr, const Frame& frame) {
  const std::string stroke = Stroke(series_index);
  for (const std::vector<Pixel>& run : Decimate(series.points, xr, yr, frame)) {
    if (run.size() == 1) {
      absl::StrAppend(&out, R"(<circle cx=")", Px(run[0].x), R"(" cy=")", Px(run[0].y),
                      R"(" r="2.5" fill=")", kPalette[series_index % kPalette.size()], "\"/>\n");
      continue;
    }
    absl::StrAppend(&out, R"(<polyline fill="none" stroke-width="1.5" stroke-linejoin="round" )",
                    stroke, R"( points=")");
    for (size_t i = 0; i < run.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : " ", Px(run[i].x), ",", Px(run[i].y));
    }
    out += "\"/>\n";
  }
}

// Grid lines at the ticks, y tick labels, the panel's title and y label.
void AppendAxes(std::string& out, const PlotPanel& panel, Range yr, Range xr,
                const std::vector<double>& x_ticks, const Frame& frame) {
  absl::StrAppend(&out, R"(<text x=")", Px(frame.left), R"(" y=")", Px(frame.top - 10),
                  R"(" font-size="13" font-weight="bold">)", XmlEscape(panel.title), "</text>\n");
  const double label_y = frame.top + frame.height / 2;
  absl::StrAppend(&out, "<text transform=\"translate(16,", Px(label_y),
                  ") rotate(-90)\" text-anchor=\"middle\">", XmlEscape(panel.y_label), "</text>\n");
  for (double tick : NiceTicks(yr)) {
    const std::string y = Px(ToPixelY(tick, yr, frame));
    absl::StrAppend(&out, R"(<line x1=")", Px(frame.left), R"(" x2=")", Px(frame.right()),
                    R"(" y1=")", y, R"(" y2=")", y, R"(" stroke="#e4e4e4"/>)", "\n");
    absl::StrAppend(&out, R"(<text x=")", Px(frame.left - 6), R"(" y=")", y,
                    R"(" text-anchor="end" dominant-baseline="middle">)",
                    TickLabel(tick, panel.percent), "</text>\n");
  }
  for (double tick : x_ticks) {
    const std::string x = Px(ToPixelX(tick, xr, frame));
    absl::StrAppend(&out, R"(<line x1=")", x, R"(" x2=")", x, R"(" y1=")", Px(frame.top),
                    R"(" y2=")", Px(frame.bottom()), R"(" stroke="#e4e4e4"/>)", "\n");
  }
}

// One row per series, as many as fit beside the plot; then "+N more".
void AppendLegend(std::string& out, const PlotPanel& panel, const Frame& frame) {
  const auto rows = static_cast<size_t>(frame.height / kLegendRowHeight);
  const size_t shown =
      panel.series.size() <= rows ? panel.series.size() : std::max<size_t>(rows, 1) - 1;
  for (size_t i = 0; i < shown; ++i) {
    const std::string y = Px(frame.top + 8 + i * kLegendRowHeight);
    absl::StrAppend(&out, R"(<line x1=")", Px(kLegendLeft), R"(" x2=")", Px(kLegendLeft + 20),
                    R"(" y1=")", y, R"(" y2=")", y, R"(" stroke-width="2" )", Stroke(i), "/>\n");
    absl::StrAppend(&out, R"(<text x=")", Px(kLegendLeft + 26), R"(" y=")", y,
                    R"(" dominant-baseline="middle">)", XmlEscape(panel.series[i].name),
                    "</text>\n");
  }
  if (shown < panel.series.size()) {
    absl::StrAppend(&out, R"(<text x=")", Px(kLegendLeft + 26), R"(" y=")",
                    Px(frame.top + 8 + shown * kLegendRowHeight),
                    R"(" dominant-baseline="middle">+)", panel.series.size() - shown,
                    " more</text>\n");
  }
}

void AppendPanel(std::string& out, const PlotPanel& panel, size_t panel_index, Range xr,
                 const std::vector<double>& x_ticks, const Frame& frame) {
  const Range yr = YRange(panel);
  AppendAxes(out, panel, yr, xr, x_ticks, frame);
  const std::string clip = absl::StrCat("panel", panel_index, "-plot");
  absl::StrAppend(&out, R"(<clipPath id=")", clip, R"("><rect x=")", Px(frame.left), R"(" y=")",
                  Px(frame.top), R"(" width=")", Px(frame.width), R"(" height=")", Px(frame.height),
                  "\"/></clipPath>\n");
  absl::StrAppend(&out, R"(<g clip-path="url(#)", clip, ")\">\n");
  for (size_t i = 0; i < panel.series.size(); ++i) {
    AppendSeries(out, panel.series[i], i, xr, yr, frame);
  }
  out += "</g>\n";
  absl::StrAppend(&out, R"(<rect x=")", Px(frame.left), R"(" y=")", Px(frame.top), R"(" width=")",
                  Px(frame.width), R"(" height=")", Px(frame.height),
                  R"(" fill="none" stroke="#888"/>)", "\n");
  AppendLegend(out, panel, frame);
}

Frame PanelFrame(size_t panel_index) {
  const double top = kHeaderHeight + panel_index * kPanelHeight;
  return {kPlotLeft, top + kPlotTopInset, kPlotRight - kPlotLeft,
          kPanelHeight - kPlotTopInset - kPlotBottomInset};
}

// Under the last panel: the x tick labels and the x label.
void AppendXAxis(std::string& out, const std::string& x_label, Range xr,
                 const std::vector<double>& x_ticks, const Frame& frame) {
  const std::string y = Px(frame.bottom() + 16);
  for (double tick : x_ticks) {
    absl::StrAppend(&out, R"(<text x=")", Px(ToPixelX(tick, xr, frame)), R"(" y=")", y,
                    R"(" text-anchor="middle">)", TickLabel(tick, false), "</text>\n");
  }
  absl::StrAppend(&out, R"(<text x=")", Px(frame.left + frame.width / 2), R"(" y=")",
                  Px(frame.bottom() + 36), R"(" text-anchor="middle">)", XmlEscape(x_label),
                  "</text>\n");
}

}  // namespace

std::string RenderSvg(const std::string& title, const std::string& x_label,
                      const std::vector<PlotPanel>& panels) {
  const std::string height = Px(kHeaderHeight + panels.size() * kPanelHeight + kFooterHeight);
  std::string out = absl::StrCat(R"(<svg xmlns="http://www.w3.org/2000/svg" width=")", Px(kWidth),
                                 R"(" height=")", height, R"(" viewBox="0 0 )", Px(kWidth), " ",
                                 height, R"(" font-family="sans-serif" font-size="11">)", "\n");
  const std::string escaped_title = XmlEscape(title);
  absl::StrAppend(&out, "<title>", escaped_title, "</title>\n");
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  absl::StrAppend(&out, R"(<text x=")", Px(kWidth / 2),
                  R"(" y="24" text-anchor="middle" font-size="15" font-weight="bold">)",
                  escaped_title, "</text>\n");
  const Range xr = XRange(panels);
  const std::vector<double> x_ticks = NiceTicks(xr);
  for (size_t i = 0; i < panels.size(); ++i) {
    AppendPanel(out, panels[i], i, xr, x_ticks, PanelFrame(i));
  }
  if (!panels.empty()) AppendXAxis(out, x_label, xr, x_ticks, PanelFrame(panels.size() - 1));
  out += "</svg>\n";
  return out;
}

}  // namespace infaas::sim
