#include "sim/svg_plot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace infaas::sim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

size_t Count(absl::string_view text, absl::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != text.npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The points of every <polyline>, in document order, as (x, y) pixels.
std::vector<std::vector<std::pair<double, double>>> Polylines(absl::string_view svg) {
  std::vector<std::vector<std::pair<double, double>>> lines;
  constexpr absl::string_view kStart = "<polyline";
  constexpr absl::string_view kPoints = "points=\"";
  for (size_t at = svg.find(kStart); at != svg.npos; at = svg.find(kStart, at + 1)) {
    const size_t begin = svg.find(kPoints, at) + kPoints.size();
    const absl::string_view points = svg.substr(begin, svg.find('"', begin) - begin);
    std::vector<std::pair<double, double>>& line = lines.emplace_back();
    for (absl::string_view point : absl::StrSplit(points, ' ')) {
      const std::pair<absl::string_view, absl::string_view> xy = absl::StrSplit(point, ',');
      double x = 0, y = 0;
      EXPECT_TRUE(absl::SimpleAtod(xy.first, &x) && absl::SimpleAtod(xy.second, &y)) << point;
      line.emplace_back(x, y);
    }
  }
  return lines;
}

PlotSeries Ramp(std::string name, int n, double slope = 1) {
  PlotSeries s{.name = std::move(name)};
  for (int i = 0; i < n; ++i) s.points.emplace_back(i, slope * i);
  return s;
}

TEST(SvgPlotTest, IsOneSvgDocumentWithTheTitle) {
  const std::string svg = RenderSvg(
      "run 7", "time (s)", {{.title = "load", .y_label = "queries/s", .series = {Ramp("a", 10)}}});
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg;
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_EQ(Count(svg, "<svg"), 1u);
  EXPECT_EQ(Count(svg, "</svg>"), 1u);
  EXPECT_TRUE(absl::StrContains(svg, ">run 7</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">time (s)</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">queries/s</text>"));
}

TEST(SvgPlotTest, EscapesEveryText) {
  const std::string svg = RenderSvg(
      "t<&>\"'", "x<&>", {{.title = "p<&>", .y_label = "y<&>", .series = {Ramp("s<&>", 3)}}});
  EXPECT_TRUE(absl::StrContains(svg, ">t&lt;&amp;&gt;&quot;&apos;</text>")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, "<title>t&lt;&amp;&gt;&quot;&apos;</title>"));
  EXPECT_TRUE(absl::StrContains(svg, ">x&lt;&amp;&gt;</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">p&lt;&amp;&gt;</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">y&lt;&amp;&gt;</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">s&lt;&amp;&gt;</text>"));  // the legend
  EXPECT_FALSE(absl::StrContains(svg, "<&>"));
  EXPECT_FALSE(absl::StrContains(svg, "\"'"));
}

TEST(SvgPlotTest, DropsControlCharactersXmlForbids) {
  const std::string svg = RenderSvg(std::string("a\x01"
                                                "b\nc",
                                                5),
                                    "", {});
  EXPECT_TRUE(absl::StrContains(svg, "<title>a b c</title>")) << svg;
}

TEST(SvgPlotTest, DrawsOnePolylinePerMultiPointSeriesAndADotForOnePoint) {
  const std::string svg =
      RenderSvg("", "",
                {{.series = {Ramp("a", 5), Ramp("b", 5, 2), {.name = "empty"}}},
                 {.series = {Ramp("c", 50), {.name = "one", .points = {{3, 4}}}}}});
  EXPECT_EQ(Count(svg, "<polyline"), 3u) << svg;
  EXPECT_EQ(Polylines(svg)[0].size(), 5u);
  EXPECT_EQ(Count(svg, "<circle"), 1u);
  // Every series, the empty one too, is in its panel's legend.
  for (const char* name : {">a<", ">b<", ">empty<", ">c<", ">one<"}) {
    EXPECT_TRUE(absl::StrContains(svg, name)) << name;
  }
}

// The value of the attribute `name` in the element around `at`.
std::string AttributeBefore(absl::string_view svg, absl::string_view marker,
                            absl::string_view name) {
  const size_t at = svg.find(marker);
  if (at == svg.npos) return "";
  const size_t element = svg.rfind('<', at);
  const size_t value = svg.find(absl::StrCat(" ", name, "=\""), element) + name.size() + 3;
  return std::string(svg.substr(value, svg.find('"', value) - value));
}

TEST(SvgPlotTest, ALoneValueSitsMidAxisWithATickUnderIt) {
  const std::string svg = RenderSvg("", "t", {{.series = {{.name = "one", .points = {{3, 40}}}}}});
  ASSERT_EQ(Count(svg, "<circle"), 1u);
  // x widens by 5% either way, to 2.85..3.15: the dot is on the x tick labelled 3.
  const std::string dot_x = AttributeBefore(svg, "<circle", "cx");
  EXPECT_FALSE(dot_x.empty());
  EXPECT_EQ(dot_x, AttributeBefore(svg, "\"middle\">3</text>", "x")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, ">2.9</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">3.1</text>"));
}

TEST(SvgPlotTest, SeriesTakeDistinctColours) {
  const std::string svg = RenderSvg("", "", {{.series = {Ramp("a", 5), Ramp("b", 5, 2)}}});
  EXPECT_TRUE(absl::StrContains(svg, "stroke=\"#0072B2\" points="));
  EXPECT_TRUE(absl::StrContains(svg, "stroke=\"#E69F00\" points="));
}

TEST(SvgPlotTest, ANonFiniteValueBreaksTheLine) {
  PlotSeries s = Ramp("a", 10);
  s.points[4].second = kNaN;
  std::vector<std::vector<std::pair<double, double>>> lines =
      Polylines(RenderSvg("", "", {{.series = {s}}}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 4u);  // x 0..3
  EXPECT_EQ(lines[1].size(), 5u);  // x 5..9
  EXPECT_LT(lines[0].back().first, lines[1].front().first);

  s.points[7].second = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Polylines(RenderSvg("", "", {{.series = {s}}})).size(), 3u);
}

TEST(SvgPlotTest, PercentPanelsLabelTicksAsPercentages) {
  // x in tens, so that no x tick label reads "1".
  const std::vector<std::pair<double, double>> share = {{0, 0.5}, {10, 0.95}, {20, 1}};
  const std::string percent = RenderSvg(
      "", "", {{.series = {{.name = "met", .points = share}}, .y_max = 1, .percent = true}});
  EXPECT_TRUE(absl::StrContains(percent, ">0%</text>")) << percent;
  EXPECT_TRUE(absl::StrContains(percent, ">40%</text>"));
  EXPECT_TRUE(absl::StrContains(percent, ">100%</text>"));
  EXPECT_FALSE(absl::StrContains(percent, ">1</text>"));

  const std::string plain =
      RenderSvg("", "", {{.series = {{.name = "met", .points = share}}, .y_max = 1}});
  EXPECT_TRUE(absl::StrContains(plain, ">0.4</text>"));
  EXPECT_FALSE(absl::StrContains(plain, "%</text>"));
}

TEST(SvgPlotTest, TicksAreNiceNumbersInsideTheRange) {
  // y: 0..1000 from the data plus headroom; x: 0..7.
  PlotSeries s{.name = "a", .points = {{0, 0}, {7, 1000}}};
  const std::string svg = RenderSvg("", "", {{.series = {s}}});
  for (const char* label : {">0</text>", ">200</text>", ">1000</text>", ">2</text>", ">6</text>"}) {
    EXPECT_TRUE(absl::StrContains(svg, label)) << label;
  }
  EXPECT_FALSE(absl::StrContains(svg, ">1200</text>"));  // beyond the headroom
  EXPECT_FALSE(absl::StrContains(svg, ">8</text>"));     // beyond the data's x
  EXPECT_FALSE(absl::StrContains(svg, ">250</text>"));   // not 1, 2 or 5 x 10^k
}

TEST(SvgPlotTest, AnExplicitYRangeBoundsTheTicks) {
  PlotSeries s{.name = "a", .points = {{0, 5}, {1, 20}}};
  const std::string svg = RenderSvg("", "", {{.series = {s}, .y_min = 10, .y_max = 15}});
  EXPECT_TRUE(absl::StrContains(svg, ">10</text>")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, ">15</text>"));
  EXPECT_FALSE(absl::StrContains(svg, ">20</text>"));
  // The values outside are clipped, not dropped: one line, clip path on.
  EXPECT_EQ(Polylines(svg).size(), 1u);
  EXPECT_TRUE(absl::StrContains(svg, "clip-path=\"url(#panel0-plot)\""));
}

TEST(SvgPlotTest, DecimationKeepsASpike) {
  constexpr int kPoints = 100'000;
  PlotSeries spiky{.name = "spiky"};
  for (int i = 0; i < kPoints; ++i) spiky.points.emplace_back(i, i == 54'321 ? 1000 : 0);
  // The same axes with the spike only: where its peak is drawn.
  PlotSeries sparse{.name = "sparse", .points = {{0, 0}, {54'321, 1000}, {kPoints - 1, 0}}};
  const auto peak_y = [](const std::vector<std::pair<double, double>>& line) {
    return std::min_element(line.begin(), line.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; })
        ->second;
  };
  const std::vector<std::vector<std::pair<double, double>>> reference =
      Polylines(RenderSvg("", "", {{.series = {sparse}}}));
  const std::vector<std::vector<std::pair<double, double>>> decimated =
      Polylines(RenderSvg("", "", {{.series = {spiky}}}));
  ASSERT_EQ(reference.size(), 1u);
  ASSERT_EQ(decimated.size(), 1u);
  EXPECT_EQ(peak_y(decimated[0]), peak_y(reference[0]));
  EXPECT_LT(peak_y(decimated[0]), decimated[0].front().second);  // above the baseline
  std::set<double> ys;
  for (const auto& [x, y] : decimated[0]) ys.insert(y);
  EXPECT_EQ(ys.size(), 2u);  // the baseline and the peak
}

TEST(SvgPlotTest, DecimationBoundsThePointsPerSeries) {
  constexpr int kPoints = 100'000;
  PlotSeries noisy{.name = "noisy"};
  PlotSeries gappy{.name = "gappy"};
  for (int i = 0; i < kPoints; ++i) {
    noisy.points.emplace_back(i, std::sin(i * 0.37) * 100 + (i % 7));
    gappy.points.emplace_back(i, i % 2 == 0 ? kNaN : i % 13);
  }
  const std::string svg = RenderSvg("", "", {{.series = {noisy, gappy}}});
  const std::vector<std::vector<std::pair<double, double>>> lines = Polylines(svg);
  // Gaps narrower than a pixel (here every other sample) are not drawn: one
  // line per series.
  ASSERT_EQ(lines.size(), 2u);
  // About two per pixel column: bounded, yet the shape is still drawn.
  EXPECT_GT(lines[0].size(), 900u);
  EXPECT_LE(lines[0].size(), 2u * 900 + 4);
  EXPECT_LE(lines[1].size(), 2u * 900 + 4);
  EXPECT_LT(svg.size(), 200'000u);
}

TEST(SvgPlotTest, RendersEmptyInputWithoutCrashing) {
  const std::string nothing = RenderSvg("", "", {});
  EXPECT_TRUE(absl::StartsWith(nothing, "<svg"));
  EXPECT_TRUE(absl::EndsWith(nothing, "</svg>\n"));

  // A panel without series, one with an empty series and one with only
  // gaps: axes (0..1 both ways), no line.
  const std::vector<PlotPanel> empty = {
      {.title = "none"},
      {.title = "empty", .series = {{.name = "e"}}},
      {.title = "gaps", .series = {{.name = "g", .points = {{kNaN, 1}, {2, kNaN}}}}}};
  const std::string svg = RenderSvg("empty", "t", empty);
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_EQ(Count(svg, "<polyline"), 0u);
  EXPECT_EQ(Count(svg, "<circle"), 0u);
  EXPECT_EQ(Count(svg, "fill=\"none\" stroke=\"#888\""), 3u);  // each panel's frame
  EXPECT_TRUE(absl::StrContains(svg, ">0</text>"));
  EXPECT_TRUE(absl::StrContains(svg, ">1</text>"));
}

TEST(SvgPlotTest, SurvivesExtremeValues) {
  const double kMax = std::numeric_limits<double>::max();
  PlotSeries s{.name = "x", .points = {{-kMax, -kMax}, {0, kMax}, {kMax, 0}}};
  std::string svg = RenderSvg("", "", {{.series = {s}, .y_min = kNaN}});
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  const std::vector<std::vector<std::pair<double, double>>> lines = Polylines(svg);
  ASSERT_EQ(lines.size(), 1u);
  for (const auto& [x, y] : lines[0]) {
    EXPECT_TRUE(std::isfinite(x) && std::isfinite(y)) << x << "," << y;
  }
  // No coordinate or label printed as "nan" or "inf" ("dominant-baseline" aside).
  absl::StrReplaceAll({{"dominant-baseline", ""}}, &svg);
  EXPECT_FALSE(absl::StrContains(svg, "nan")) << svg;
  EXPECT_FALSE(absl::StrContains(svg, "inf")) << svg;
}

}  // namespace
}  // namespace infaas::sim
