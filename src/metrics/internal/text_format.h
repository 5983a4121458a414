#pragma once

// The pieces of the Prometheus text exposition format (version 0.0.4):
// number formatting, escaping, one sample line, and the name rules.
// Pure functions; thread-safe.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace infaas::metrics::internal {

// Shortest text that reads back as `value`; "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

// A label value with \, " and newline escaped.
std::string EscapeLabelValue(absl::string_view value);

// HELP text with \ and newline escaped.
std::string EscapeHelp(absl::string_view help);

// `name{a="x",b="y"} value\n` (no braces without labels). `names` and
// `values` have equal length.
std::string SampleLine(absl::string_view name, const std::vector<std::string>& names,
                       const std::vector<std::string>& values, double value);

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(absl::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved) and not "le".
bool IsValidLabelName(absl::string_view name);

}  // namespace infaas::metrics::internal
