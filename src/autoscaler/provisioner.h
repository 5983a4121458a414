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

namespace infaas::autoscaler {

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
