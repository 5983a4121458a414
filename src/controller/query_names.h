#pragma once

// What the query path's observers name queries by: the name a query gave
// and why one failed. Shared by the serving metrics and the service-level
// history so that their labels agree.
//
//   RequestedModelName(requirements, catalogue)   // "resnet50", "classification/imagenet"
//   FailureReason(status)                        // "resource_exhausted"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "controller/selector.h"

namespace infaas::controller {

// The label of a query whose name no one registered.
inline constexpr absl::string_view kUnregisteredModel = "(unregistered)";

// The name a query gave for its model — the variant, the architecture, or
// "task/dataset" — when it names something in `catalogue`; else
// kUnregisteredModel, so that names a client makes up never become metric
// labels or statistics (one series and one map entry each).
std::string RequestedModelName(const QueryRequirements& requirements, const Catalogue& catalogue);

// Which form the query used: "variant", "architecture" or "task".
absl::string_view QueryFormName(const QueryRequirements& requirements);

// A failed query's reason as a label: its status code in lower case
// ("resource_exhausted", "failed_precondition", ...).
std::string FailureReason(const absl::Status& status);

}  // namespace infaas::controller
