#include "offline/variant_choice.h"

namespace infaas::offline {

absl::StatusOr<std::string> ChooseOfflineVariant(const v1::OfflineRequirements& requirements,
                                                 const controller::Catalogue& catalogue,
                                                 const controller::ClusterSnapshot& cluster) {
  controller::QueryRequirements query;
  query.variant = requirements.variant();
  query.architecture = requirements.architecture();
  query.task = requirements.task();
  query.dataset = requirements.dataset();
  query.min_accuracy_percent = requirements.min_accuracy_percent();
  query.latency_slo_ms = kOfflineLatencySloMs;
  absl::Status last;
  for (const int batch : {kOfflineBatch, 1}) {
    query.batch_size = batch;
    controller::SelectorDecision decision = controller::SelectVariant(query, catalogue, cluster);
    if (decision.selection.ok()) return decision.selection->variant;
    last = decision.selection.status();
    // INVALID_ARGUMENT may mean "batch above every max batch": try batch 1.
    if (!absl::IsInvalidArgument(last)) break;
  }
  return last;
}

bool IsTransientChoiceError(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status);
}

}  // namespace infaas::offline
