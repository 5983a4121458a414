#pragma once

// Provisioner: how the worker-level autoscaler gets and gives back workers.
// LocalProvisioner starts infaas-worker processes on this machine;
// KubernetesProvisioner creates and deletes one worker Pod per worker
// through the Kubernetes API.
//
//   ASSIGN_OR_RETURN(std::string id, provisioner->AddWorker());  // joins by heartbeat
//   ...the autoscaler drains the worker first...
//   RETURN_IF_ERROR(provisioner->RemoveWorker(id));
//
// A worker joins the cluster on its own: it heartbeats to the master under
// the id AddWorker returned. Implementations are thread-safe; RemoveWorker
// may block while the worker shuts down (it finishes queries in flight).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace infaas::autoscaler {

// Where the workers the autoscaler adds come from (infaas-master
// --provisioner local|kubernetes): infaas-worker processes on this machine
// (local_provisioner.h), or worker Pods (kubernetes_provisioner.h).
enum class ProvisionerKind { kLocal, kKubernetes };

// "local" or "kubernetes"; InvalidArgument naming the choices.
inline absl::StatusOr<ProvisionerKind> ParseProvisionerKind(absl::string_view name) {
  if (name == "local") return ProvisionerKind::kLocal;
  if (name == "kubernetes") return ProvisionerKind::kKubernetes;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown provisioner \"", name.substr(0, 64), "\"; choose local or kubernetes"));
}

class Provisioner {
 public:
  virtual ~Provisioner() = default;

  // Starts one worker; returns the id it will heartbeat with.
  // ResourceExhausted when no more may be started.
  virtual absl::StatusOr<std::string> AddWorker() = 0;

  // Stops a worker this provisioner started. NotFound for another id.
  virtual absl::Status RemoveWorker(const std::string& worker_id) = 0;

  // Ids of the workers it started that have not been removed nor exited.
  virtual std::vector<std::string> Workers() = 0;

  // "local (infaas-worker processes, 1 core each)", for logs.
  virtual std::string Describe() const = 0;
};

}  // namespace infaas::autoscaler
