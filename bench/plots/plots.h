#pragma once

// The benchmarks' plots: each bench writes its series as CSV and draws SVG
// charts from them with gnuplot (Debian's gnuplot-nox), using the scripts in
// this folder:
//   load_over_time.gp   offered load, goodput and SLO attainment over time,
//                       one colour per run (policies side by side);
//   latency_cdf.gp      latency distributions, one line per run;
//   versus_load.gp      goodput and SLO attainment against offered load.
//
//   ASSIGN_OR_RETURN(fs::path csv, WriteCsv(dir, "infaas.csv", FormatIntervalsCsv(report)));
//   RETURN_IF_ERROR(Plot("load_over_time.gp", "bench/autoscale", {{"infaas", csv}},
//                        dir / "autoscale-over-time.svg"));
//
// gnuplot runs as a child process (no shell: labels and paths are passed as
// they are). Not thread-safe only in that two plots to one file race.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infaas::bench {

// One labelled series: a CSV file with a header line.
struct PlotSeries {
  std::string label;  // letters, digits, '_', '-', '.', ' ' and 'x'
  std::filesystem::path csv;
};

// Writes `text` to dir/name (creating dir); returns the path.
absl::StatusOr<std::filesystem::path> WriteCsv(const std::filesystem::path& dir,
                                               const std::string& name, const std::string& text);

// Draws `series` with the gnuplot script `script` (a file of this folder)
// into `svg`, titled `title`; `slo_ms` > 0 marks the latency target where the
// script draws one. FailedPrecondition when gnuplot is not installed;
// InvalidArgument for a label or path gnuplot's string syntax cannot hold;
// Internal when gnuplot fails.
absl::Status Plot(const std::string& script, const std::string& title,
                  const std::vector<PlotSeries>& series, const std::filesystem::path& svg,
                  double slo_ms = 0);

// Prints "plots: DIR/*.svg (CSV beside them)" or why there are none; for the
// end of a bench's output.
void ReportPlots(const std::filesystem::path& dir, const absl::Status& status);

}  // namespace infaas::bench
