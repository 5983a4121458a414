#pragma once

// Progress of a long operation on stderr. On a terminal it redraws one line:
//   [##########..........]  50%  profile onnx cpu2
// elsewhere (a log file, CI) it prints a line each time the stage changes.
// Not thread-safe: call from one thread.

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

namespace infaas::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string title, FILE* out = stderr);
  ~ProgressBar();  // ends the line if one is open

  // `detail` (e.g. counts and a rate) is drawn after the stage on a
  // terminal; elsewhere only a change of stage prints a line.
  void Update(absl::string_view stage, double fraction, absl::string_view detail = "");

  // A line of its own above the bar (what the operation found or did);
  // the bar is redrawn by the next Update.
  void Note(absl::string_view text);

  // The bar as drawn for a terminal, without control characters (tests).
  static std::string Render(absl::string_view stage, double fraction, int width = 20);

 private:
  const std::string title_;
  FILE* const out_;
  const bool terminal_;
  std::string last_stage_;
  bool line_open_ = false;
};

}  // namespace infaas::cli
