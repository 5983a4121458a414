#pragma once

// KubernetesProvisioner: starts and stops workers as Kubernetes pods, one
// pod per worker, for the worker-level autoscaler of a master running in a
// cluster. It talks to the API server with the pod's service account.
//
//   ASSIGN_OR_RETURN(auto provisioner, KubernetesProvisioner::Create({
//       .worker_deployment = "infaas-worker",
//       .managed_by = "infaas-master",
//       .fencing_token = [&lease] { return lease.Token(); }}));  // store::LeaderLease
//   ASSIGN_OR_RETURN(std::string id, provisioner->AddWorker());  // "infaas-worker-auto-x7k2p"
//
// Why pods and not the worker Deployment's replica count: the autoscaler
// removes one particular worker, the one it has drained; scaling a
// Deployment down would delete a pod of Kubernetes' choosing, perhaps one
// still serving. So each AddWorker copies the worker Deployment's pod
// template (GET apps/v1 Deployment, spec.template) into a bare Pod named
// <pod_prefix>-<5 random characters>, relabelled out of the Deployment's
// selector (internal/kubernetes_pods.h) and labelled
// infaas.io/managed-by=<managed_by>; the name is the worker's id (env
// INFAAS_WORKER_ID, passed as --id). RemoveWorker deletes that pod with
// `stop_grace`: the kubelet sends SIGTERM and the worker finishes the calls
// it holds (the autoscaler has drained it first). Workers() lists the pods
// with those labels that are not being deleted and have not finished.
//
// State lives in the API server, not here: a master that takes over (or
// restarts) sees and removes the pods an earlier leader started, and the
// destructor leaves the pods running.
//
// Fencing: only the leading master may add or remove. `fencing_token`
// returns the leader lease's token, or nullopt when this master does not
// lead (FailedPrecondition "not the leader"). Before each create or delete
// the provisioner writes the token to the ConfigMap `fence_config_map`: it
// GETs it, refuses (FailedPrecondition naming both tokens) when it holds a
// larger token — a newer leader wrote it — and otherwise PUTs it back with
// our token and the resourceVersion it read, so that a write by anyone in
// between fails with 409 Conflict. After a conflict it reads once more:
// our own token there means the writer was this master (concurrent
// AddWorker and RemoveWorker) and it goes on; any other means refused
// (FailedPrecondition when larger, Aborted when smaller). A missing
// ConfigMap is created. The API server has no transaction over two objects,
// so a leader deposed between its fenced write and its create can still
// create one pod; the new leader's Workers() sees it and may remove it.
//
// Errors: PermissionDenied for 401 and 403 (naming the RBAC verb and
// resource the service account lacks); Unavailable when the API server does
// not answer within the timeouts or answers 5xx or 429; ResourceExhausted
// past max_workers live pods, or for an answer over max_response_bytes;
// NotFound from RemoveWorker for a pod that is not one of ours. Messages
// carry the Kubernetes Status message.
//
// Thread-safe. Every call blocks on the API server (at most a few requests,
// each bounded by the timeouts); none holds a lock while it does.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "autoscaler/provisioner.h"
#include "common/log_throttle.h"

namespace infaas::autoscaler {

namespace internal {
class KubernetesClient;
}

struct KubernetesProvisionerOptions {
  // The API server; empty host: $KUBERNETES_SERVICE_HOST and
  // $KUBERNETES_SERVICE_PORT, as the kubelet sets them in every pod.
  std::string api_host{};
  int api_port = 0;
  // The pod's service account: `token`, `ca.crt` and `namespace` in this
  // folder, unless the three fields below name them.
  std::filesystem::path service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::filesystem::path token_file{};  // read before every request (tokens rotate)
  std::filesystem::path ca_file{};
  std::string kubernetes_namespace{};  // empty: the pod's own
  // The Deployment whose pod template each worker pod copies, and the
  // worker's container in it (empty: the first).
  std::string worker_deployment = "infaas-worker";
  std::string worker_container{};
  // Pods are named <pod_prefix>-<5 random characters>: at most 57 characters.
  std::string pod_prefix = "infaas-worker-auto";
  // Value of the infaas.io/managed-by label: the same on every master that
  // shares the cluster (the master Deployment's name), so each sees the pods
  // the others started.
  std::string managed_by = "infaas-master";
  // The ConfigMap that fences out deposed leaders, and the name written
  // beside the token in it (empty: this host's name, i.e. the pod's).
  std::string fence_config_map = "infaas-leader-fence";
  std::string fence_holder{};
  // The leader lease's token; nullopt when this master does not lead.
  // Required.
  std::function<std::optional<int64_t>()> fencing_token{};
  // Live pods started by the provisioners of `managed_by`, at most.
  int max_workers = 8;
  // DeleteOptions.gracePeriodSeconds: how long a worker may take to finish
  // what it holds after SIGTERM before it is killed.
  absl::Duration stop_grace = absl::Seconds(30);
  // Each request: to connect (TCP and TLS), and for each read or write.
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration read_timeout = absl::Seconds(5);
  // Answers larger than this are refused (a pod list of 8 workers is ~100 KB).
  size_t max_response_bytes = size_t{4} << 20;
};

class KubernetesProvisioner final : public Provisioner {
 public:
  // InvalidArgument for a missing fencing_token, a malformed name or prefix,
  // or no API server address; NotFound when the service account's CA or
  // namespace file cannot be read (not in a pod: set the options).
  static absl::StatusOr<std::unique_ptr<KubernetesProvisioner>> Create(
      KubernetesProvisionerOptions options);
  ~KubernetesProvisioner() override;

  absl::StatusOr<std::string> AddWorker() override;
  absl::Status RemoveWorker(const std::string& worker_id) override;
  // On an API error, the last list it read (and a throttled warning).
  std::vector<std::string> Workers() override;
  std::string Describe() const override;

 private:
  KubernetesProvisioner(KubernetesProvisionerOptions options, std::string kubernetes_namespace,
                        std::unique_ptr<internal::KubernetesClient> client);

  // Our token, or FailedPrecondition when this master does not lead.
  absl::StatusOr<int64_t> LeaderToken() const;
  // The fenced write described above; OK means no newer leader wrote.
  absl::Status Fence(int64_t token);
  absl::Status CreateFence(int64_t token);
  // The names of the live worker pods.
  absl::StatusOr<std::vector<std::string>> ListLivePods();
  absl::StatusOr<std::string> CreatePod(int64_t token);
  std::string RandomPodName();

  std::string PodsPath() const;
  std::string FencePath() const;

  const KubernetesProvisionerOptions options_;
  const std::string namespace_;
  const std::unique_ptr<internal::KubernetesClient> client_;
  LogThrottle list_failures_{absl::Seconds(30)};

  absl::Mutex mu_;
  // AddWorker calls between their count and their create: counted against
  // max_workers with the pods listed, so concurrent calls never exceed it.
  int adding_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> last_listed_ ABSL_GUARDED_BY(mu_);
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::autoscaler
