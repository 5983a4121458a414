#include "autoscaler/scaling.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace infaas::autoscaler {

void ClusterHistory::Add(std::shared_ptr<const controller::ClusterSnapshot> snapshot) {
  const absl::Time newest = snapshot->taken_at;
  const size_t n = snapshots_.size();
  // The newest is replaced while it is still too close to the one before.
  if (n >= 2 && snapshots_[n - 1]->taken_at - snapshots_[n - 2]->taken_at < spacing_) {
    snapshots_.back() = std::move(snapshot);
  } else {
    snapshots_.push_back(std::move(snapshot));
  }
  while (!snapshots_.empty() && snapshots_.front()->taken_at < newest - keep_) {
    snapshots_.pop_front();
  }
}

absl::Time ClusterHistory::LastBusy(const std::string& variant) const {
  for (auto it = snapshots_.rbegin(); it != snapshots_.rend(); ++it) {
    for (const controller::WorkerSnapshot& worker : (*it)->workers) {
      const controller::LoadedVariant* loaded = worker.Find(variant);
      if (loaded != nullptr && (loaded->arrival_qps > 0 || loaded->queue_length > 0 ||
                                loaded->offline_queue_length > 0)) {
        return (*it)->taken_at;
      }
    }
  }
  return absl::InfinitePast();
}

absl::Time ClusterHistory::QuietSince(const std::string& variant) const {
  absl::Time appeared = Oldest();
  for (auto it = snapshots_.rbegin(); it != snapshots_.rend(); ++it) {
    const bool present = std::any_of(
        (*it)->workers.begin(), (*it)->workers.end(),
        [&variant](const controller::WorkerSnapshot& w) { return w.Find(variant) != nullptr; });
    if (!present) break;
    appeared = (*it)->taken_at;
  }
  return std::max(LastBusy(variant), appeared);
}

absl::Time ClusterHistory::Oldest() const {
  return snapshots_.empty() ? absl::InfiniteFuture() : snapshots_.front()->taken_at;
}

std::vector<ScalingAction> RequestedLoads(const ScalingInput& input) {
  std::vector<ScalingAction> actions;
  std::set<std::pair<std::string, std::string>> seen;
  for (const controller::LoadRecommendation& request : input.load_requests) {
    if (!seen.insert({request.worker_id, request.variant}).second) continue;
    const v1::VariantRecord* record = input.catalogue->Find(request.variant);
    if (record == nullptr) continue;
    const controller::WorkerSnapshot* worker = nullptr;
    for (const controller::WorkerSnapshot& w : input.cluster->workers) {
      if (w.id == request.worker_id) worker = &w;
    }
    if (worker == nullptr || worker->draining || worker->Find(request.variant) != nullptr ||
        worker->free_memory_bytes < record->profile().peak_memory_bytes()) {
      continue;
    }
    actions.push_back({.kind = ScalingAction::Kind::kSetInstances,
                       .variant = request.variant,
                       .worker_id = request.worker_id,
                       .instances = 1,
                       .reason = absl::StrCat("requested by the selector: ", request.reason)});
  }
  return actions;
}

std::string KindName(ScalingAction::Kind kind) {
  switch (kind) {
    case ScalingAction::Kind::kSetInstances:
      return "set_instances";
    case ScalingAction::Kind::kReplace:
      return "replace";
    case ScalingAction::Kind::kAddWorker:
      return "add_worker";
    case ScalingAction::Kind::kRemoveWorker:
      return "remove_worker";
  }
  return "unknown";
}

std::string Describe(const ScalingAction& action) {
  switch (action.kind) {
    case ScalingAction::Kind::kSetInstances:
      return absl::StrCat("set ", action.variant, " on ", action.worker_id, " to ",
                          action.instances, " instance(s) (", action.reason, ")");
    case ScalingAction::Kind::kReplace:
      return absl::StrCat("replace ", action.replaces, " with ", action.variant, " x",
                          action.instances, " on ", action.worker_id, " (", action.reason, ")");
    case ScalingAction::Kind::kAddWorker:
      return absl::StrCat("add a worker (", action.reason, ")");
    case ScalingAction::Kind::kRemoveWorker:
      return absl::StrCat("remove worker ", action.worker_id, " (", action.reason, ")");
  }
  return "unknown action";
}

}  // namespace infaas::autoscaler
