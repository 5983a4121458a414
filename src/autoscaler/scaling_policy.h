#pragma once

// Scaling policies: given the cluster, its recent past and the demand, which
// instances to add or remove and which workers to start or stop.
//
//   ASSIGN_OR_RETURN(PolicyKind kind, ParsePolicyKind(flag));           // where flags are read
//   std::unique_ptr<ScalingPolicy> policy = MakeScalingPolicy(kind, {});
//   std::vector<ScalingAction> actions = policy->Decide(input);   // once a second
//
// Four named policies, selectable with infaas-master --autoscaler:
//   infaas      (default) ours; see infaas_policy.h.
//   infaas2021  the original INFaaS rules (USENIX ATC'21): per-worker
//               replication by the throughput at the batch seen, upgrade when
//               replicating costs 1.5x more, scale down after ten low readings,
//               add a worker when every worker is above 80% CPU.
//   individual  each variant scaled on its own by its utilisation, anywhere
//               in the cluster, no upgrades (the paper's "SageMaker-like"
//               baseline); workers as infaas2021.
//   static      no scaling at all.
//
// A policy is deterministic: the same sequence of inputs gives the same
// actions. It reads no clock (time is input.now), does no I/O and starts no
// thread; what it remembers between calls (how long a variant has been
// quiet, when it last added a worker) is its own state. Not thread-safe: one
// Autoscaler calls it from one thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoscaler/scaling.h"

namespace infaas::autoscaler {

// Tunables. Durations are scaled by `time_scale` for every policy alike, so
// that tests and benchmarks can run the same rules faster.
struct ScalingOptions {
  // ours: plan instances to run at most this busy (headroom for bursts)...
  double target_utilisation = 0.7;
  // ...and remove one only when the others would stay below this.
  double scale_down_utilisation = 0.45;
  // ours: a variant below that mark this long loses an instance.
  absl::Duration scale_down_after = absl::Seconds(5);
  // Idle variants unload after max(this, idle_load_multiple * load latency).
  absl::Duration min_idle_before_unload = absl::Seconds(20);
  double idle_load_multiple = 20;
  // ours: an upgrade or downgrade must save this share of cores.
  double replace_min_saving = 0.25;
  // ours: unmet demand (queries refused for capacity) above this adds a worker.
  double unmet_qps_to_add_worker = 1;
  // Between two worker additions (ours; infaas2021 uses 30 s).
  absl::Duration worker_add_cooldown = absl::Seconds(5);
  // ours: an empty removable worker this long is removed.
  absl::Duration empty_worker_remove_after = absl::Seconds(10);
  // Multiplies every duration above and the baselines' own.
  double time_scale = 1.0;

  absl::Duration Scaled(absl::Duration d) const { return d * time_scale; }
};

class ScalingPolicy {
 public:
  virtual ~ScalingPolicy() = default;
  virtual const std::string& name() const = 0;
  virtual std::vector<ScalingAction> Decide(const ScalingInput& input) = 0;
};

// The four policies above, by kind; a flag's name becomes one with
// ParsePolicyKind where the flag is read.
enum class PolicyKind { kInfaas, kInfaas2021, kIndividual, kStatic };

// "infaas" -> kInfaas, ...; InvalidArgument naming the choices.
absl::StatusOr<PolicyKind> ParsePolicyKind(absl::string_view name);
// "infaas", "infaas2021", "individual" or "static".
absl::string_view PolicyKindName(PolicyKind kind);

std::unique_ptr<ScalingPolicy> MakeScalingPolicy(PolicyKind kind, const ScalingOptions& options);

// "infaas, infaas2021, individual, static".
std::vector<std::string> ScalingPolicyNames();

}  // namespace infaas::autoscaler
