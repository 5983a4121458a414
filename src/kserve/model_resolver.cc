#include "kserve/model_resolver.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/model_name.h"
#include "common/status_macros.h"
#include "controller/query_router.h"

namespace infaas::kserve {
namespace {

std::string FamilyOf(const v1::VariantRecord& v) {
  return absl::StrCat(v.config().task(), "/", v.config().dataset());
}

std::string KnownModels(const controller::Catalogue& catalogue) {
  if (catalogue.variants.empty()) return "no model is registered yet (POST /v1/models)";
  std::set<std::string> architectures, families;
  for (const v1::VariantRecord& v : catalogue.variants) {
    architectures.insert(v.config().architecture());
    families.insert(FamilyOf(v));
  }
  return absl::StrCat("architectures: ", absl::StrJoin(architectures, ", "),
                      "; families: ", absl::StrJoin(families, ", "),
                      "; variants: GET /v1/architectures/{architecture}");
}

}  // namespace

absl::StatusOr<ResolvedModel> ResolveModel(absl::string_view name,
                                           std::shared_ptr<const controller::Catalogue> catalogue) {
  RETURN_IF_ERROR(ValidateRequestedName("model", name));
  ResolvedModel m;
  m.name = std::string(name);
  if (const v1::VariantRecord* v = catalogue->Find(name)) {
    m.kind = ModelKind::kVariant;
    m.variants.push_back(v);
  } else {
    const bool family = absl::StrContains(name, '/');
    m.kind = family ? ModelKind::kFamily : ModelKind::kArchitecture;
    for (const v1::VariantRecord& v : catalogue->variants) {
      if (family ? FamilyOf(v) == name : v.config().architecture() == name) {
        m.variants.push_back(&v);
      }
    }
  }
  if (m.variants.empty()) {
    return absl::NotFoundError(absl::StrCat("model \"", name,
                                            "\" is not a registered variant, architecture or "
                                            "task/dataset family; ",
                                            KnownModels(*catalogue)));
  }
  m.catalogue = std::move(catalogue);
  return m;
}

absl::Status CheckModelVersion(const ResolvedModel& model, absl::string_view version) {
  if (version.empty() || version == kModelVersion) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("model \"", model.name, "\" has no version \"", version,
                                          "\"; INFaaS models have the single version \"",
                                          kModelVersion, "\""));
}

void SetQueryForm(const ResolvedModel& model, v1::QueryOnlineRequest* query) {
  switch (model.kind) {
    case ModelKind::kVariant:
      query->set_variant(model.name);
      break;
    case ModelKind::kArchitecture:
      query->set_architecture(model.name);
      break;
    case ModelKind::kFamily: {
      std::pair<std::string, std::string> parts =
          absl::StrSplit(model.name, absl::MaxSplits('/', 1));
      query->set_task(parts.first);
      query->set_dataset(parts.second);
      break;
    }
  }
}

controller::QueryRequirements RequirementsFor(const ResolvedModel& model, double latency_slo_ms) {
  v1::QueryOnlineRequest query;
  SetQueryForm(model, &query);
  query.set_latency_slo_ms(latency_slo_ms);
  controller::QueryRequirements r = controller::RequirementsOf(query);
  r.batch_size = 1;
  return r;
}

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kVariant:
      return "variant";
    case ModelKind::kArchitecture:
      return "architecture";
    case ModelKind::kFamily:
      return "family";
  }
  return "unknown";
}

}  // namespace infaas::kserve
