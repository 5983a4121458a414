#include "autoscaler/scaling_policy.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoscaler/baseline_policies.h"
#include "autoscaler/infaas_policy.h"

namespace infaas::autoscaler {

std::vector<std::string> ScalingPolicyNames() {
  return {"infaas", "infaas2021", "individual", "static"};
}

absl::StatusOr<std::unique_ptr<ScalingPolicy>> MakeScalingPolicy(const std::string& name,
                                                                 const ScalingOptions& options) {
  if (name == "infaas") return std::make_unique<InfaasPolicy>(options);
  if (name == "infaas2021") return std::make_unique<Infaas2021Policy>(options);
  if (name == "individual") return std::make_unique<IndividualPolicy>(options);
  if (name == "static") return std::make_unique<StaticPolicy>();
  return absl::InvalidArgumentError(absl::StrCat("unknown autoscaling policy \"", name,
                                                 "\"; choose one of ",
                                                 absl::StrJoin(ScalingPolicyNames(), ", ")));
}

}  // namespace infaas::autoscaler
