#pragma once

// Structured logging for every INFaaS process, on top of spdlog.
//
// A line is an event plus key=value context, so logs can be grepped by
// model and worker:
//
//   LogInfo("variant loaded", {{"variant", name}, {"worker", id},
//                              {"load_ms", absl::StrCat(ms)}});
//   -> [2026-11-28 03:10:00.123] [info] variant loaded variant=lenet5_... worker=w1 load_ms=41
//
// Values containing spaces are quoted. Thread-safe.

#include <initializer_list>
#include <string>
#include <utility>
#include "absl/strings/string_view.h"

namespace infaas {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, absl::string_view>;

// Sets the minimum level that is written (default kInfo) and, once, the
// process name shown in every line (e.g. "master", "worker w1").
void InitLogging(absl::string_view process_name, LogLevel min_level = LogLevel::kInfo);
void SetLogLevel(LogLevel level);

// Parses "debug", "info", "warning"/"warn", "error"; unknown -> kInfo.
LogLevel ParseLogLevel(absl::string_view text);

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {});

// Formats `event key=value ...` as Log() writes it (exposed for tests).
std::string FormatLogLine(absl::string_view event, std::initializer_list<LogField> fields);

inline void LogDebug(absl::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kDebug, event, fields);
}
inline void LogInfo(absl::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarning(absl::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, event, fields);
}
inline void LogError(absl::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, event, fields);
}

}  // namespace infaas
