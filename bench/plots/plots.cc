#include "plots.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace infaas::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kNoGnuplot[] =
    "gnuplot is not installed (apt-get install gnuplot-nox): CSV files only";

// What can sit inside a gnuplot '...' string and a space-separated word list.
bool SafeForGnuplot(const std::string& text, bool allow_space) {
  for (char c : text) {
    if (c == '\'' || c == '\\' || c == '\n' || (c == ' ' && !allow_space)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<fs::path> WriteCsv(const fs::path& dir, const std::string& name,
                                  const std::string& text) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  const fs::path path = dir / name;
  std::ofstream out(path);
  out << text;
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return path;
}

absl::Status Plot(const std::string& script, const std::string& title,
                  const std::vector<PlotSeries>& series, const fs::path& svg, double slo_ms) {
  std::vector<std::string> files, labels;
  for (const PlotSeries& s : series) {
    if (!SafeForGnuplot(s.csv.string(), false) || !SafeForGnuplot(s.label, false)) {
      return absl::InvalidArgumentError(
          absl::StrCat("plot series \"", s.label, "\" (", s.csv.string(),
                       "): labels and paths may not hold spaces, quotes or backslashes"));
    }
    files.push_back(s.csv.string());
    labels.push_back(s.label);
  }
  if (!SafeForGnuplot(title, true) || !SafeForGnuplot(svg.string(), false)) {
    return absl::InvalidArgumentError("plot title or output path holds a quote or backslash");
  }
  const std::string variables =
      absl::StrCat("files='", absl::StrJoin(files, " "), "'; labels='", absl::StrJoin(labels, " "),
                   "'; title='", title, "'; out='", svg.string(), "'; slo=", slo_ms);
  const std::string script_path = (fs::path(INFAAS_PLOTS_DIR) / script).string();
  std::vector<std::string> argv = {"gnuplot", "-e", variables, script_path};
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, raw.data(), environ) != 0) {
    return absl::FailedPreconditionError(kNoGnuplot);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("gnuplot failed on ", script, " for ", svg.string()));
  }
  return absl::OkStatus();
}

void ReportPlots(const fs::path& dir, const absl::Status& status) {
  if (status.ok()) {
    std::cout << "plots: " << (dir / "*.svg").string() << " (their CSV series beside them)\n";
  } else {
    std::cout << "plots: none drawn (" << status.message() << "); CSV series in " << dir.string()
              << "\n";
  }
}

}  // namespace infaas::bench
