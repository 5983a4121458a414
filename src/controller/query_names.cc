#include "controller/query_names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace infaas::controller {

std::string RequestedModelName(const QueryRequirements& r, const Catalogue& catalogue) {
  auto named = [&r](const v1::VariantRecord& v) {
    const v1::ModelConfig& c = v.config();
    if (!r.variant.empty()) return c.name() == r.variant;
    if (!r.architecture.empty()) return c.architecture() == r.architecture;
    return c.task() == r.task && c.dataset() == r.dataset;
  };
  if (std::none_of(catalogue.variants.begin(), catalogue.variants.end(), named)) {
    return std::string(kUnregisteredModel);
  }
  if (!r.variant.empty()) return r.variant;
  if (!r.architecture.empty()) return r.architecture;
  return absl::StrCat(r.task, "/", r.dataset);
}

absl::string_view QueryFormName(const QueryRequirements& r) {
  if (!r.variant.empty()) return "variant";
  if (!r.architecture.empty()) return "architecture";
  return "task";
}

std::string FailureReason(const absl::Status& status) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

}  // namespace infaas::controller
