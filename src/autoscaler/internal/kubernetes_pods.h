#pragma once

// The Kubernetes objects the provisioner writes and reads, as pure
// functions over JSON (shapes from the Kubernetes API reference: apps/v1
// Deployment, core/v1 Pod and PodList, core/v1 ConfigMap).
//
// A worker pod is its Deployment's spec.template with its identity changed:
//
//   Deployment infaas-worker   selector {infaas.io/pool: static}
//     template labels {app.kubernetes.io/name: infaas-worker, infaas.io/pool: static}
//   → Pod infaas-worker-auto-x7k2p
//     labels {app.kubernetes.io/name: infaas-worker, infaas.io/pool: autoscaled,
//             infaas.io/managed-by: infaas-master}
//     env INFAAS_WORKER_ID=infaas-worker-auto-x7k2p in the worker container
//
// The selector's labels are taken away, so the Deployment's ReplicaSet does
// not adopt the pod (and then delete it to keep its replica count). The
// worker container must pass --id $(INFAAS_WORKER_ID), which the kubelet
// expands from the env: the id AddWorker returns is the one it heartbeats
// with. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::autoscaler::internal {

inline constexpr char kPoolLabel[] = "infaas.io/pool";
inline constexpr char kAutoscaledPool[] = "autoscaled";
inline constexpr char kManagedByLabel[] = "infaas.io/managed-by";
inline constexpr char kWorkerIdEnv[] = "INFAAS_WORKER_ID";
// Keys of the fence ConfigMap's data.
inline constexpr char kFencingTokenKey[] = "fencing-token";
inline constexpr char kFenceHolderKey[] = "holder";

struct WorkerPodIdentity {
  std::string name{};
  std::string kubernetes_namespace{};
  std::string managed_by{};  // value of infaas.io/managed-by
  std::string container{};   // the worker container; empty: the first
};

// The pod for `who` from `deployment` (an apps/v1 Deployment as GET returns
// it). FailedPrecondition naming the fix when the template has no such
// container, the container does not pass $(INFAAS_WORKER_ID) in its command
// or args, or the selector uses matchExpressions (the pod could not be
// kept out of it by removing labels).
absl::StatusOr<nlohmann::json> WorkerPodFromDeployment(const nlohmann::json& deployment,
                                                       const WorkerPodIdentity& who);

// "infaas.io/pool=autoscaled,infaas.io/managed-by=<managed_by>".
std::string WorkerPodSelector(absl::string_view managed_by);

// Whether `pod` (from GET or a PodList) was made for `managed_by` by a
// provisioner: both labels set as WorkerPodFromDeployment sets them.
bool IsManagedWorkerPod(const nlohmann::json& pod, absl::string_view managed_by);

// Whether `pod` still counts as a worker: not being deleted (no
// metadata.deletionTimestamp) and not finished (status.phase neither Failed
// nor Succeeded).
bool IsLivePod(const nlohmann::json& pod);

// metadata.name and metadata.uid of an object; empty when absent.
std::string NameOf(const nlohmann::json& object);
std::string UidOf(const nlohmann::json& object);

// The fencing token a fence ConfigMap holds; nullopt when it holds none that
// parses as an integer. FenceHolderOf: the master that wrote it, or "?".
std::optional<int64_t> FencingTokenOf(const nlohmann::json& config_map);
std::string FenceHolderOf(const nlohmann::json& config_map);

// Whether `name` is a lowercase RFC 1123 label of at most `max_length`
// characters (Kubernetes object names, namespaces, pod host names).
bool IsDnsLabel(absl::string_view name, size_t max_length = 63);

}  // namespace infaas::autoscaler::internal
