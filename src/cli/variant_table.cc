#include "cli/variant_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace infaas::cli {
namespace {

absl::string_view Framework(v1::Framework f) {
  switch (f) {
    case v1::FRAMEWORK_TORCHSCRIPT:
      return "torchscript";
    case v1::FRAMEWORK_ONNX:
      return "onnx";
    case v1::FRAMEWORK_TENSORFLOW:
      return "tensorflow";
    case v1::FRAMEWORK_CAFFE:
      return "caffe";
    default:
      return "?";
  }
}

std::vector<std::string> Row(const v1::VariantRecord& v) {
  const v1::VariantProfile& p = v.profile();
  const double b1 = p.latency_size() > 0 ? p.latency(0).median_ms() : 0;
  const double bmax = p.latency_size() > 0 ? p.latency(p.latency_size() - 1).median_ms() : 0;
  return {v.config().name(), std::string(Framework(v.config().framework())),
          absl::StrCat(std::max(1, v.config().cpu_threads())),
          absl::StrCat(std::max(1, v.config().max_batch_size())),
          // A figure nobody measured is marked as claimed.
          absl::StrFormat("%.2f%%%s", p.accuracy_percent(), p.validation_samples() > 0 ? "" : "*"),
          absl::StrFormat("%.3f", b1), absl::StrFormat("%.3f", bmax),
          absl::StrFormat("%.1f", p.load_latency_ms()),
          absl::StrFormat("%.1f", static_cast<double>(p.peak_memory_bytes()) / (1 << 20))};
}

}  // namespace

std::string FormatVariantTable(const std::vector<v1::VariantRecord>& variants) {
  std::vector<std::vector<std::string>> rows = {{"VARIANT", "FRAMEWORK", "CPU", "BATCH", "ACCURACY",
                                                 "B1 MS", "BMAX MS", "LOAD MS", "MEM MB"}};
  bool any_claimed = false;
  for (const auto& v : variants) {
    rows.push_back(Row(v));
    any_claimed |= v.profile().validation_samples() == 0;
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) {
      // Names left-aligned, figures right-aligned.
      const std::string pad(widths[c] - row[c].size(), ' ');
      cells.push_back(c < 2 ? row[c] + pad : pad + row[c]);
    }
    absl::StrAppend(&out, absl::StrJoin(cells, "  "), "\n");
  }
  if (any_claimed) absl::StrAppend(&out, "* accuracy declared by the uploader, not measured\n");
  return out;
}

}  // namespace infaas::cli
