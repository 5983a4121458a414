#include "autoscaler/worker_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infaas::autoscaler {
namespace {

constexpr double kBusyCpu = 0.8;
constexpr double kIdleCpu = 0.3;
constexpr int kLowChecksToRemove = 15;
constexpr absl::Duration kOriginalBackoff = absl::Seconds(30);

int LiveWorkers(const ScalingInput& input) {
  return static_cast<int>(input.cluster->workers.size());
}

bool RoomForAnother(const ScalingInput& input) {
  return input.pool.max_workers > 0 && input.pool.starting == 0 &&
         LiveWorkers(input) + input.pool.starting < input.pool.max_workers;
}

ScalingAction AddWorker(std::string reason) {
  return {.kind = ScalingAction::Kind::kAddWorker, .reason = std::move(reason)};
}

ScalingAction RemoveWorker(const std::string& id, std::string reason) {
  return {.kind = ScalingAction::Kind::kRemoveWorker, .worker_id = id, .reason = std::move(reason)};
}

bool AnyDraining(const ScalingInput& input) {
  return std::any_of(input.cluster->workers.begin(), input.cluster->workers.end(),
                     [](const controller::WorkerSnapshot& w) { return w.draining; });
}

}  // namespace

std::vector<ScalingAction> DemandWorkerRule::Decide(const ScalingInput& input,
                                                    int unplaced_instances) {
  const double unmet = input.demand->unmet_qps;
  const bool wants_more = unplaced_instances > 0 || unmet > options_.unmet_qps_to_add_worker;
  if (wants_more) {
    empty_since_.clear();
    // Refusals alone while a live worker holds nothing: that worker is spare
    // capacity already (instances that fit nowhere are another matter: the
    // model level found no room even there).
    const bool idle_worker_exists =
        unplaced_instances == 0 &&
        std::any_of(
            input.cluster->workers.begin(), input.cluster->workers.end(),
            [](const controller::WorkerSnapshot& w) { return !w.draining && w.variants.empty(); });
    if (!idle_worker_exists && RoomForAnother(input) &&
        input.now - last_add_ >= options_.Scaled(options_.worker_add_cooldown)) {
      last_add_ = input.now;
      return {AddWorker(unplaced_instances > 0
                            ? absl::StrCat(unplaced_instances, " instance(s) fit on no worker")
                            : absl::StrFormat("%.1f queries/s refused for capacity", unmet))};
    }
    return {};
  }
  // Which removable workers hold nothing, and since when.
  std::map<std::string, absl::Time> still_empty;
  for (const controller::WorkerSnapshot& worker : input.cluster->workers) {
    const bool removable = std::find(input.pool.removable.begin(), input.pool.removable.end(),
                                     worker.id) != input.pool.removable.end();
    if (!removable || !worker.variants.empty() || worker.draining) continue;
    auto it = empty_since_.find(worker.id);
    still_empty[worker.id] = it == empty_since_.end() ? input.now : it->second;
  }
  empty_since_ = std::move(still_empty);
  if (AnyDraining(input)) return {};
  for (auto it = empty_since_.begin(); it != empty_since_.end(); ++it) {
    const absl::Duration empty_for = input.now - it->second;
    if (empty_for >= options_.Scaled(options_.empty_worker_remove_after)) {
      // Build the action before erasing: `it` (and its key) dies with the entry.
      ScalingAction remove = RemoveWorker(
          it->first, absl::StrCat("held nothing for ", absl::FormatDuration(empty_for)));
      empty_since_.erase(it);
      return {std::move(remove)};
    }
  }
  return {};
}

std::vector<ScalingAction> UtilisationWorkerRule::Decide(const ScalingInput& input) {
  const auto& workers = input.cluster->workers;
  if (workers.empty()) return {};
  double least = 1, sum = 0;
  for (const controller::WorkerSnapshot& w : workers) {
    least = std::min(least, w.cpu_utilization);
    sum += w.cpu_utilization;
  }
  const double mean = sum / static_cast<double>(workers.size());
  const bool refused = input.demand->unmet_qps > 0;
  if (least > kBusyCpu || refused) {
    low_checks_ = 0;
    if (RoomForAnother(input) && input.now - last_add_ >= options_.Scaled(kOriginalBackoff)) {
      last_add_ = input.now;
      return {AddWorker(refused
                            ? "queries refused"
                            : absl::StrFormat("every worker above %.0f%% CPU", 100 * kBusyCpu))};
    }
    return {};
  }
  low_checks_ = mean <= kIdleCpu ? low_checks_ + 1 : 0;
  if (low_checks_ < kLowChecksToRemove || input.pool.removable.empty() || AnyDraining(input)) {
    return {};
  }
  low_checks_ = 0;
  // The least busy removable worker.
  const controller::WorkerSnapshot* pick = nullptr;
  for (const controller::WorkerSnapshot& w : workers) {
    const bool removable = std::find(input.pool.removable.begin(), input.pool.removable.end(),
                                     w.id) != input.pool.removable.end();
    if (removable && (pick == nullptr || w.cpu_utilization < pick->cpu_utilization)) pick = &w;
  }
  if (pick == nullptr) return {};
  return {RemoveWorker(pick->id, absl::StrFormat("mean CPU at most %.0f%% for %d checks",
                                                 100 * kIdleCpu, kLowChecksToRemove))};
}

}  // namespace infaas::autoscaler
