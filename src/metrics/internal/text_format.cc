#include "metrics/internal/text_format.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace infaas::metrics::internal {
namespace {

bool IsNameChar(char c, bool first, bool colon_ok) {
  if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') return true;
  if (colon_ok && c == ':') return true;
  return !first && absl::ascii_isdigit(static_cast<unsigned char>(c));
}

bool IsValidName(absl::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon_ok)) return false;
  }
  return true;
}

// Backslash and newline escaped; double quotes too when `quotes`.
std::string Escape(absl::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits; plain notation in the usual range so that
  // bucket bounds read "0.0005", not "5e-04".
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0 || (magnitude >= 1e-9 && magnitude < 1e15);
  char buffer[512];
  const std::to_chars_result r =
      plain ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, r.ptr);
}

std::string EscapeLabelValue(absl::string_view value) { return Escape(value, /*quotes=*/true); }

std::string EscapeHelp(absl::string_view help) { return Escape(help, /*quotes=*/false); }

std::string SampleLine(absl::string_view name, const std::vector<std::string>& names,
                       const std::vector<std::string>& values, double value) {
  std::string line(name);
  if (!names.empty()) {
    line += '{';
    for (size_t i = 0; i < names.size(); ++i) {
      absl::StrAppend(&line, i == 0 ? "" : ",", names[i], "=\"", EscapeLabelValue(values[i]), "\"");
    }
    line += '}';
  }
  absl::StrAppend(&line, " ", FormatValue(value), "\n");
  return line;
}

bool IsValidMetricName(absl::string_view name) { return IsValidName(name, /*colon_ok=*/true); }

bool IsValidLabelName(absl::string_view name) {
  return IsValidName(name, /*colon_ok=*/false) && !absl::StartsWith(name, "__") && name != "le";
}

}  // namespace infaas::metrics::internal
