#pragma once

// Worker-level scaling rules: when to start a worker and which to stop.
// Pure, like the policies that use them (scaling_policy.h): time comes from
// the input, and what they remember is their own state.
//
//   DemandWorkerRule rule(options);
//   std::vector<ScalingAction> a = rule.Decide(input, /*unplaced_instances=*/2);

#include <map>
#include <string>
#include <vector>

#include "autoscaler/scaling.h"
#include "autoscaler/scaling_policy.h"

namespace infaas::autoscaler {

// Ours. Adds a worker as soon as instances the model level wants fit
// nowhere, or queries are refused for lack of capacity — one at a time (none
// while one is starting, nor while a live worker holds nothing: that one is
// spare capacity already) and at most one per cool-down. Removes a removable
// worker once it has held nothing (no instance, no load) for a while, one at
// a time and never while more capacity is wanted.
class DemandWorkerRule {
 public:
  explicit DemandWorkerRule(const ScalingOptions& options) : options_(options) {}
  std::vector<ScalingAction> Decide(const ScalingInput& input, int unplaced_instances);

 private:
  const ScalingOptions options_;
  absl::Time last_add_ = absl::InfinitePast();
  std::map<std::string, absl::Time> empty_since_;
};

// The original INFaaS rule: add a worker when the least busy worker is above
// 80% CPU (every worker is busy) or queries are refused, then back off 30 s;
// remove a removable worker after 15 consecutive checks in which the
// workers' mean CPU was at most 30%.
class UtilisationWorkerRule {
 public:
  explicit UtilisationWorkerRule(const ScalingOptions& options) : options_(options) {}
  std::vector<ScalingAction> Decide(const ScalingInput& input);

 private:
  const ScalingOptions options_;
  absl::Time last_add_ = absl::InfinitePast();
  int low_checks_ = 0;
};

}  // namespace infaas::autoscaler
