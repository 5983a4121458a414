#include "cli/query_output.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace infaas::cli {
namespace {

std::vector<float> ValuesOf(const v1::OutputTensor& output) {
  return std::vector<float>(output.values().begin(), output.values().end());
}

std::vector<std::string> LabelsOf(const v1::QueryOnlineResponse& response) {
  return std::vector<std::string>(response.labels().begin(), response.labels().end());
}

std::string InputName(const std::vector<std::string>& inputs, int i) {
  return i < static_cast<int>(inputs.size()) ? inputs[i] : absl::StrCat("input ", i);
}

// JSON has no NaN or infinity.
std::string JsonNumber(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
}

std::string TopKLine(const std::vector<float>& values, const std::vector<std::string>& labels,
                     int k) {
  std::vector<std::string> parts;
  for (const ScoredLabel& s : TopK(values, labels, k)) {
    parts.push_back(absl::StrFormat("%s %.3f", s.label, s.score));
  }
  return absl::StrJoin(parts, ", ");
}

std::string RawLine(const std::vector<float>& values) {
  return absl::StrCat("[",
                      absl::StrJoin(values, ", ",
                                    [](std::string* out, float v) {
                                      absl::StrAppend(out, absl::StrFormat("%.6g", v));
                                    }),
                      "]");
}

std::string JsonOutput(const std::string& input, const std::vector<float>& values,
                       const std::vector<std::string>& labels, int k) {
  std::vector<std::string> top;
  for (const ScoredLabel& s : TopK(values, labels, k)) {
    top.push_back(absl::StrCat("{\"label\":", JsonString(s.label), ",\"index\":", s.index,
                               ",\"score\":", JsonNumber(s.score), "}"));
  }
  return absl::StrCat(
      "{\"input\":", JsonString(input), ",\"top\":[", absl::StrJoin(top, ","), "],\"values\":[",
      absl::StrJoin(values, ",",
                    [](std::string* out, float v) { absl::StrAppend(out, JsonNumber(v)); }),
      "]}");
}

std::string JsonResponse(const v1::QueryOnlineResponse& response,
                         const std::vector<std::string>& inputs, int k) {
  const std::vector<std::string> labels = LabelsOf(response);
  std::vector<std::string> outputs;
  for (int i = 0; i < response.outputs_size(); ++i) {
    outputs.push_back(JsonOutput(InputName(inputs, i), ValuesOf(response.outputs(i)), labels, k));
  }
  return absl::StrCat("{\"variant\":", JsonString(response.variant()),
                      ",\"worker\":", JsonString(response.worker()),
                      ",\"predicted_ms\":", JsonNumber(response.predicted_latency_ms()),
                      ",\"measured_ms\":", JsonNumber(response.measured_latency_ms()),
                      ",\"queue_ms\":", JsonNumber(response.queue_time_ms()),
                      ",\"slo_ms\":", JsonNumber(response.latency_slo_ms()),
                      ",\"slo_missed\":", response.slo_missed() ? "true" : "false",
                      ",\"loaded\":", response.loaded() ? "true" : "false", ",\"outputs\":[",
                      absl::StrJoin(outputs, ","), "]}\n");
}

}  // namespace

std::string FormatQueryOutput(const v1::QueryOnlineResponse& response,
                              const std::vector<std::string>& inputs, OutputFormat format,
                              int top_k) {
  if (format == OutputFormat::kJson) return JsonResponse(response, inputs, top_k);
  const std::vector<std::string> labels = LabelsOf(response);
  std::string out;
  for (int i = 0; i < response.outputs_size(); ++i) {
    const std::vector<float> values = ValuesOf(response.outputs(i));
    absl::StrAppend(
        &out, InputName(inputs, i), ": ",
        format == OutputFormat::kRaw ? RawLine(values) : TopKLine(values, labels, top_k), "\n");
  }
  return out;
}

std::string FormatQuerySummary(const v1::QueryOnlineResponse& response) {
  std::string summary = absl::StrFormat(
      "variant %s on %s: %.2f ms (predicted %.2f ms, queue %.2f ms, cold load: %s)",
      response.variant(), response.worker(), response.measured_latency_ms(),
      response.predicted_latency_ms(), response.queue_time_ms(), response.loaded() ? "yes" : "no");
  if (response.latency_slo_ms() > 0) {
    absl::StrAppend(&summary, response.slo_missed() ? "; MISSED the " : "; within the ",
                    absl::StrFormat("%g", response.latency_slo_ms()), " ms target");
  }
  return summary;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
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
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace infaas::cli
