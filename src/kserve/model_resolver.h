#pragma once

// What an Open Inference Protocol model name means to INFaaS: a variant
// (served as is), an architecture (the master picks the variant), or a model
// family "task/dataset" (the master picks the architecture too).
//
//   ASSIGN_OR_RETURN(ResolvedModel m, ResolveModel("lenet5", catalogue));
//   m.kind == ModelKind::kArchitecture;  m.variants = every lenet5 variant
//
// Pure functions over a catalogue snapshot; thread-safe. A ResolvedModel
// keeps its snapshot alive, so its record pointers stay valid.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/selector.h"
#include "infaas/v1/api.pb.h"

namespace infaas::kserve {

// The protocol's single model version: INFaaS variants are not versioned.
inline constexpr char kModelVersion[] = "1";

enum class ModelKind { kVariant, kArchitecture, kFamily };

struct ResolvedModel {
  ModelKind kind = ModelKind::kVariant;
  std::string name;  // as the client gave it
  std::shared_ptr<const controller::Catalogue> catalogue;
  std::vector<const v1::VariantRecord*> variants;  // >= 1, catalogue order
};

// Variant first, then architecture, then "task/dataset". NOT_FOUND names
// the registered architectures and families when the name is none of them.
absl::StatusOr<ResolvedModel> ResolveModel(absl::string_view name,
                                           std::shared_ptr<const controller::Catalogue> catalogue);

// OK for "" (the server picks) and "1"; NOT_FOUND otherwise.
absl::Status CheckModelVersion(const ResolvedModel& model, absl::string_view version);

// Sets the query form (variant, architecture or task + dataset) on `query`.
void SetQueryForm(const ResolvedModel& model, v1::QueryOnlineRequest* query);

// The selector's requirements for one input of this model with the
// latency target `latency_slo_ms` (ignored for a variant).
controller::QueryRequirements RequirementsFor(const ResolvedModel& model, double latency_slo_ms);

// "variant", "architecture" or "family".
const char* ModelKindName(ModelKind kind);

}  // namespace infaas::kserve
