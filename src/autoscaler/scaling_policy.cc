#include "autoscaler/scaling_policy.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoscaler/baseline_policies.h"
#include "autoscaler/infaas_policy.h"

namespace infaas::autoscaler {

std::vector<std::string> ScalingPolicyNames() {
  return {"infaas", "infaas2021", "individual", "static"};
}

absl::StatusOr<PolicyKind> ParsePolicyKind(absl::string_view name) {
  for (PolicyKind kind : {PolicyKind::kInfaas, PolicyKind::kInfaas2021, PolicyKind::kIndividual,
                          PolicyKind::kStatic}) {
    if (name == PolicyKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown autoscaling policy \"",
                                                 name.substr(0, 64), "\"; choose one of ",
                                                 absl::StrJoin(ScalingPolicyNames(), ", ")));
}

absl::string_view PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kInfaas:
      return "infaas";
    case PolicyKind::kInfaas2021:
      return "infaas2021";
    case PolicyKind::kIndividual:
      return "individual";
    case PolicyKind::kStatic:
      return "static";
  }
  return "infaas";
}

std::unique_ptr<ScalingPolicy> MakeScalingPolicy(PolicyKind kind, const ScalingOptions& options) {
  switch (kind) {
    case PolicyKind::kInfaas:
      return std::make_unique<InfaasPolicy>(options);
    case PolicyKind::kInfaas2021:
      return std::make_unique<Infaas2021Policy>(options);
    case PolicyKind::kIndividual:
      return std::make_unique<IndividualPolicy>(options);
    case PolicyKind::kStatic:
      return std::make_unique<StaticPolicy>();
  }
  return std::make_unique<InfaasPolicy>(options);
}

}  // namespace infaas::autoscaler
