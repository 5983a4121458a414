#include "controller/query_names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace infaas::controller {

namespace {

// Whether `catalogue` holds what `r` names: looked up in its index when it
// has one (every query of the master asks), else scanned.
bool Registered(const QueryRequirements& r, const Catalogue& catalogue) {
  if (catalogue.Indexed()) {
    if (!r.variant.empty()) return catalogue.Find(r.variant) != nullptr;
    const std::vector<uint32_t>* found = !r.architecture.empty()
                                             ? catalogue.IndexedArchitecture(r.architecture)
                                             : catalogue.IndexedFamily(r.task, r.dataset);
    return found != nullptr && !found->empty();
  }
  auto named = [&r](const v1::VariantRecord& v) {
    const v1::ModelConfig& c = v.config();
    if (!r.variant.empty()) return c.name() == r.variant;
    if (!r.architecture.empty()) return c.architecture() == r.architecture;
    return c.task() == r.task && c.dataset() == r.dataset;
  };
  return std::any_of(catalogue.variants.begin(), catalogue.variants.end(), named);
}

}  // namespace

std::string RequestedModelName(const QueryRequirements& r, const Catalogue& catalogue) {
  if (!Registered(r, catalogue)) return std::string(kUnregisteredModel);
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
