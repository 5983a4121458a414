#include "sim/simulation_plot.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace infaas::sim {
namespace {

SimulationResult TwoStreams() {
  SimulationResult r;
  for (const char* name : {"lenet5", "vgg<mini>"}) {
    loadgen::LoadRecorder recorder(absl::Seconds(1), 20);
    for (int i = 0; i < 30; ++i) {
      const absl::Duration at = absl::Milliseconds(100 * i);
      recorder.RecordSent(at);
      recorder.RecordDone(at, absl::Milliseconds(5 + i), absl::OkStatus(), "v");
    }
    r.streams.push_back({name, recorder.Report()});
  }
  r.total = r.streams[0].report;
  r.samples = {{.at = absl::Seconds(1), .workers = 2, .instances = 3},
               {.at = absl::Seconds(2), .workers = 4, .instances = 6}};
  return r;
}

TEST(SimulationPlotTest, DrawsTheLoadTheClusterTheSloAndTheP99) {
  const std::string svg = PlotSimulation(TwoStreams(), "step & burst");
  EXPECT_TRUE(absl::StartsWith(svg, "<svg"));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  for (const char* text : {"step &amp; burst", "offered", "achieved", "goodput", "workers",
                           "instances", "within their SLO", "p99", "vgg&lt;mini&gt;", "100%"}) {
    EXPECT_TRUE(absl::StrContains(svg, text)) << text;
  }
  // Three load lines, two cluster lines, all + two streams, two streams.
  int lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3 + 2 + 3 + 2);
}

TEST(SimulationPlotTest, AnEmptyRunStillRenders) {
  const std::string svg = PlotSimulation(SimulationResult{}, "nothing");
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_TRUE(absl::StrContains(svg, "nothing"));
}

}  // namespace
}  // namespace infaas::sim
