#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool NeedsQuotes(absl::string_view value) {
  return value.empty() || absl::StrContains(value, ' ') || absl::StrContains(value, '=') ||
         absl::StrContains(value, '"') || absl::StrContains(value, '\\') ||
         std::any_of(value.begin(), value.end(), IsControl);
}

// A value inside quotes: quotes and backslashes escaped, control characters
// (a newline from a client's name would forge a log line) as \n, \r, \t or
// \xNN.
std::string EscapeValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (IsControl(c)) {
          absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
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
      absl::StrAppend(&line, " ", key, "=\"", EscapeValue(value), "\"");
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
