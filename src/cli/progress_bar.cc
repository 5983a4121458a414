#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace infaas::cli {

ProgressBar::ProgressBar(std::string title, FILE* out)
    : title_(std::move(title)), out_(out), terminal_(::isatty(::fileno(out)) == 1) {}

ProgressBar::~ProgressBar() {
  if (line_open_) std::fputc('\n', out_);
}

std::string ProgressBar::Render(absl::string_view stage, double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(std::lround(fraction * width));
  return absl::StrFormat("[%s%s] %3d%%  %s", std::string(filled, '#'),
                         std::string(width - filled, '.'),
                         static_cast<int>(std::lround(fraction * 100)), stage);
}

void ProgressBar::Update(absl::string_view stage, double fraction, absl::string_view detail) {
  if (terminal_) {
    // \r and clear-to-end-of-line redraw in place.
    absl::FPrintF(out_, "\r\033[K%s %s%s%s", title_, Render(stage, fraction),
                  detail.empty() ? "" : "  ", detail);
    line_open_ = true;
  } else if (stage != last_stage_) {
    absl::FPrintF(out_, "%s %3d%% %s\n", title_, static_cast<int>(std::lround(fraction * 100)),
                  stage);
  }
  last_stage_ = std::string(stage);
  std::fflush(out_);
}

void ProgressBar::Note(absl::string_view text) {
  if (terminal_ && line_open_) std::fputs("\r\033[K", out_);
  line_open_ = false;
  absl::FPrintF(out_, "%s: %s\n", title_, text);
  std::fflush(out_);
}

}  // namespace infaas::cli
