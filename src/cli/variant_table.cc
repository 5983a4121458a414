#include "cli/variant_table.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/text_table.h"
#include "profiler/variant_plan.h"

namespace infaas::cli {
namespace {

std::vector<std::string> Row(const v1::VariantRecord& v) {
  const v1::VariantProfile& p = v.profile();
  const double b1 = p.latency_size() > 0 ? p.latency(0).median_ms() : 0;
  const double bmax = p.latency_size() > 0 ? p.latency(p.latency_size() - 1).median_ms() : 0;
  return {v.config().name(), std::string(profiler::FrameworkShortName(v.config().framework())),
          absl::StrCat(std::max(1, v.config().cpu_threads())),
          absl::StrCat(std::max(1, v.config().max_batch_size())),
          // A figure nobody measured is marked as claimed.
          absl::StrFormat("%.2f%%%s", p.accuracy_percent(), p.validation_samples() > 0 ? "" : "*"),
          absl::StrFormat("%.3f", b1), absl::StrFormat("%.3f", bmax),
          absl::StrFormat("%.1f", p.load_latency_ms()),
          absl::StrFormat("%.1f", static_cast<double>(p.peak_memory_bytes()) / (1 << 20))};
}

}  // namespace

std::string FormatVariantTable(const std::vector<v1::VariantRecord>& variants,
                               const std::vector<std::vector<std::string>>& loaded_on, int limit) {
  const bool with_loaded = !loaded_on.empty();
  std::vector<std::vector<std::string>> rows = {{"VARIANT", "FRAMEWORK", "CPU", "BATCH", "ACCURACY",
                                                 "B1 MS", "BMAX MS", "LOAD MS", "MEM MB"}};
  if (with_loaded) rows[0].push_back("LOADED ON");
  bool any_claimed = false;
  const size_t shown =
      limit > 0 ? std::min(variants.size(), static_cast<size_t>(limit)) : variants.size();
  for (size_t i = 0; i < shown; ++i) {
    rows.push_back(Row(variants[i]));
    if (with_loaded) {
      const bool loaded = i < loaded_on.size() && !loaded_on[i].empty();
      rows.back().push_back(loaded ? absl::StrJoin(loaded_on[i], ",") : "-");
    }
    any_claimed |= variants[i].profile().validation_samples() == 0;
  }
  // Names left-aligned, figures right-aligned.
  std::string out = FormatTextTable(rows, "LLRRRRRRRL");
  if (any_claimed) absl::StrAppend(&out, "* accuracy declared by the uploader, not measured\n");
  if (shown < variants.size()) {
    absl::StrAppend(&out, "... and ", variants.size() - shown,
                    " more variants (--limit 0 shows all, --json gives every one to scripts)\n");
  }
  return out;
}

void SortForListing(std::vector<v1::VariantRecord>& variants) {
  auto b1 = [](const v1::VariantRecord& v) {
    return v.profile().latency_size() > 0 ? v.profile().latency(0).median_ms() : 0.0;
  };
  std::sort(variants.begin(), variants.end(), [&](const auto& a, const auto& b) {
    return std::forward_as_tuple(a.config().architecture(), b1(a), a.config().name()) <
           std::forward_as_tuple(b.config().architecture(), b1(b), b.config().name());
  });
}

std::string FormatVariantTable(const std::vector<v1::VariantRecord>& variants) {
  return FormatVariantTable(variants, {});
}

}  // namespace infaas::cli
