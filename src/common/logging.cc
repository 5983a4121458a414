#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace infaas {
namespace {

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Logs go to stderr so that a CLI's stdout stays machine-readable.
std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("infaas");
    l->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    return l;
  }();
  return logger;
}

bool NeedsQuotes(absl::string_view value) {
  return value.empty() || absl::StrContains(value, ' ') || absl::StrContains(value, '=') ||
         absl::StrContains(value, '"');
}

}  // namespace

void InitLogging(absl::string_view process_name, LogLevel min_level) {
  Logger()->set_pattern(absl::StrCat("[%Y-%m-%d %H:%M:%S.%e] [", process_name, "] [%l] %v"));
  SetLogLevel(min_level);
}

void SetLogLevel(LogLevel level) { Logger()->set_level(ToSpd(level)); }

LogLevel ParseLogLevel(absl::string_view text) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

std::string FormatLogLine(absl::string_view event, std::initializer_list<LogField> fields) {
  std::string line(event);
  for (const auto& [key, value] : fields) {
    if (NeedsQuotes(value)) {
      std::string escaped(value);
      absl::StrReplaceAll({{"\"", "\\\""}}, &escaped);
      absl::StrAppend(&line, " ", key, "=\"", escaped, "\"");
    } else {
      absl::StrAppend(&line, " ", key, "=", value);
    }
  }
  return line;
}

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields) {
  auto logger = Logger();
  if (!logger->should_log(ToSpd(level))) return;
  logger->log(ToSpd(level), FormatLogLine(event, fields));
}

}  // namespace infaas
