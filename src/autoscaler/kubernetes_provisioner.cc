#include "autoscaler/kubernetes_provisioner.h"

#include <unistd.h>

#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoscaler/internal/kubernetes_client.h"
#include "autoscaler/internal/kubernetes_pods.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::autoscaler {
namespace {

using internal::ApiAction;
using internal::ApiResponse;
using nlohmann::json;

// Names the kubelet would pick: no vowels, so no words.
constexpr char kSuffixAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
constexpr int kSuffixLength = 5;
// A name already taken is retried with another suffix this many times.
constexpr int kNameAttempts = 3;

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

absl::StatusOr<std::string> NamespaceOf(const KubernetesProvisionerOptions& options) {
  if (!options.kubernetes_namespace.empty()) return options.kubernetes_namespace;
  const std::filesystem::path file = options.service_account_dir / "namespace";
  absl::StatusOr<std::string> text = ReadFileAtMost(file, 256);
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read this pod's namespace: ", text.status().message(),
                     " (outside a pod, give the namespace)"));
  }
  return std::string(absl::StripAsciiWhitespace(*text));
}

absl::StatusOr<internal::KubernetesClientOptions> ClientOptionsOf(
    const KubernetesProvisionerOptions& options) {
  internal::KubernetesClientOptions client{
      .host = options.api_host,
      .port = options.api_port,
      .token_file =
          options.token_file.empty() ? options.service_account_dir / "token" : options.token_file,
      .ca_file = options.ca_file.empty() ? options.service_account_dir / "ca.crt" : options.ca_file,
      .connect_timeout = options.connect_timeout,
      .read_timeout = options.read_timeout,
      .max_response_bytes = options.max_response_bytes};
  if (client.host.empty()) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (host == nullptr || *host == '\0' || port == nullptr ||
        !absl::SimpleAtoi(port, &client.port)) {
      return absl::InvalidArgumentError(
          "no Kubernetes API server: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
          "not set (the master is not in a pod); give its address");
    }
    client.host = host;
  }
  return client;
}

absl::Status CheckNames(const KubernetesProvisionerOptions& options, const std::string& ns) {
  const std::pair<const char*, const std::string*> names[] = {
      {"namespace", &ns},
      {"worker Deployment", &options.worker_deployment},
      {"managed-by label value", &options.managed_by},
      {"fence ConfigMap", &options.fence_config_map}};
  for (const auto& [what, name] : names) {
    if (!internal::IsDnsLabel(*name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", what, " \"", *name,
                       "\" is not a Kubernetes name (lowercase letters, digits and '-', at most "
                       "63, starting and ending with a letter or digit)"));
    }
  }
  const size_t longest_prefix = 63 - 1 - kSuffixLength;
  if (!internal::IsDnsLabel(options.pod_prefix, longest_prefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the pod prefix \"", options.pod_prefix, "\" is not a Kubernetes name of at most ",
        longest_prefix, " characters (a pod's name is also its host name, at most 63)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KubernetesProvisioner>> KubernetesProvisioner::Create(
    KubernetesProvisionerOptions options) {
  if (!options.fencing_token) {
    return absl::InvalidArgumentError(
        "the Kubernetes provisioner needs a fencing token (the leader lease's) so that a "
        "deposed master cannot start or stop workers");
  }
  if (options.max_workers < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_workers is ", options.max_workers, "; it must be 0 or more"));
  }
  ASSIGN_OR_RETURN(std::string ns, NamespaceOf(options));
  RETURN_IF_ERROR(CheckNames(options, ns));
  ASSIGN_OR_RETURN(internal::KubernetesClientOptions client_options, ClientOptionsOf(options));
  ASSIGN_OR_RETURN(std::unique_ptr<internal::KubernetesClient> client,
                   internal::KubernetesClient::Create(std::move(client_options)));
  if (options.fence_holder.empty()) options.fence_holder = HostName();
  return std::unique_ptr<KubernetesProvisioner>(
      new KubernetesProvisioner(std::move(options), std::move(ns), std::move(client)));
}

KubernetesProvisioner::KubernetesProvisioner(KubernetesProvisionerOptions options,
                                             std::string kubernetes_namespace,
                                             std::unique_ptr<internal::KubernetesClient> client)
    : options_(std::move(options)),
      namespace_(std::move(kubernetes_namespace)),
      client_(std::move(client)) {}

// The pods stay: the next leader adopts them through Workers().
KubernetesProvisioner::~KubernetesProvisioner() = default;

std::string KubernetesProvisioner::Describe() const {
  const internal::KubernetesClientOptions& api = client_->options();
  return absl::StrCat("kubernetes (pods from Deployment ", namespace_, "/",
                      options_.worker_deployment, ", at most ", options_.max_workers, ", labelled ",
                      internal::WorkerPodSelector(options_.managed_by), ", fenced by ConfigMap ",
                      options_.fence_config_map, ", API server ", api.host, ":", api.port, ")");
}

std::string KubernetesProvisioner::PodsPath() const {
  return absl::StrCat("/api/v1/namespaces/", namespace_, "/pods");
}

std::string KubernetesProvisioner::FencePath() const {
  return absl::StrCat("/api/v1/namespaces/", namespace_, "/configmaps/", options_.fence_config_map);
}

absl::StatusOr<int64_t> KubernetesProvisioner::LeaderToken() const {
  std::optional<int64_t> token = options_.fencing_token();
  if (!token.has_value()) {
    return absl::FailedPreconditionError(
        "this master is not the leader now; only the leader starts and stops workers");
  }
  return *token;
}

absl::Status KubernetesProvisioner::CreateFence(int64_t token) {
  const json fence = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", options_.fence_config_map}, {"namespace", namespace_}}},
      {"data",
       {{internal::kFencingTokenKey, absl::StrCat(token)},
        {internal::kFenceHolderKey, options_.fence_holder}}}};
  ASSIGN_OR_RETURN(
      ApiResponse r,
      client_->Call("POST", absl::StrCat("/api/v1/namespaces/", namespace_, "/configmaps"),
                    &fence));
  if (r.ok()) return absl::OkStatus();
  return internal::ErrorOf(r, {.verb = "create",
                               .resource = "configmaps",
                               .name = options_.fence_config_map,
                               .kubernetes_namespace = namespace_});
}

absl::Status KubernetesProvisioner::Fence(int64_t token) {
  const ApiAction get{.verb = "get",
                      .resource = "configmaps",
                      .name = options_.fence_config_map,
                      .kubernetes_namespace = namespace_};
  const std::string where = absl::StrCat("ConfigMap ", namespace_, "/", options_.fence_config_map);
  // Two rounds: the second only reads, after someone wrote between our read
  // and our write.
  for (int round = 0; round < 2; ++round) {
    ASSIGN_OR_RETURN(ApiResponse r, client_->Call("GET", FencePath()));
    if (r.status == 404 && round == 0) {
      absl::Status created = CreateFence(token);
      if (!absl::IsAlreadyExists(created)) return created;
      continue;
    }
    if (!r.ok()) return internal::ErrorOf(r, get);
    const std::optional<int64_t> stored = internal::FencingTokenOf(r.body);
    if (!stored.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          where, " holds no integer \"", internal::kFencingTokenKey,
          "\"; only masters should write it (delete it and the leader writes it anew)"));
    }
    const std::string holder = internal::FenceHolderOf(r.body);
    if (*stored > token) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, " holds fencing token ", *stored, " (written by ", holder,
                       "), newer than this master's ", token,
                       ": another master leads now, so this one neither starts nor stops "
                       "workers"));
    }
    if (round == 1) {
      if (*stored == token) return absl::OkStatus();  // our own concurrent write
      return absl::AbortedError(absl::StrCat(where, " was written by ", holder,
                                             " with fencing token ", *stored,
                                             " while this master (token ", token,
                                             ") was writing it; refused, the "
                                             "autoscaler tries again"));
    }
    // Replace (PUT) sends the object as read, with the new data.
    json fence = std::move(r.body);
    if (!fence["data"].is_object()) fence["data"] = json::object();
    fence["data"][internal::kFencingTokenKey] = absl::StrCat(token);
    fence["data"][internal::kFenceHolderKey] = options_.fence_holder;
    // metadata.resourceVersion stays as read: the API server refuses the
    // write with 409 Conflict if the ConfigMap changed since.
    ASSIGN_OR_RETURN(ApiResponse put, client_->Call("PUT", FencePath(), &fence));
    if (put.ok()) return absl::OkStatus();
    if (put.status != 409) {
      return internal::ErrorOf(put, {.verb = "update",
                                     .resource = "configmaps",
                                     .name = options_.fence_config_map,
                                     .kubernetes_namespace = namespace_});
    }
  }
  // Not reached: the second round returns.
  return absl::AbortedError(absl::StrCat(where, " could not be written; refused"));
}

absl::StatusOr<std::vector<std::string>> KubernetesProvisioner::ListLivePods() {
  const std::string path =
      absl::StrCat(PodsPath(), "?labelSelector=",
                   internal::EncodeQueryValue(internal::WorkerPodSelector(options_.managed_by)));
  ASSIGN_OR_RETURN(ApiResponse r, client_->Call("GET", path));
  if (!r.ok()) {
    return internal::ErrorOf(
        r, {.verb = "list", .resource = "pods", .name = "", .kubernetes_namespace = namespace_});
  }
  const auto items = r.body.find("items");
  if (items == r.body.end() || !items->is_array()) {
    return absl::UnavailableError(
        absl::StrCat("the Kubernetes API server answered the pod list with no PodList: ", r.text));
  }
  std::vector<std::string> names;
  for (const json& pod : *items) {
    // The API server applied the selector; checking again costs nothing.
    if (internal::IsManagedWorkerPod(pod, options_.managed_by) && internal::IsLivePod(pod) &&
        !internal::NameOf(pod).empty()) {
      names.push_back(internal::NameOf(pod));
    }
  }
  return names;
}

std::vector<std::string> KubernetesProvisioner::Workers() {
  absl::StatusOr<std::vector<std::string>> listed = ListLivePods();
  absl::MutexLock lock(&mu_);
  if (listed.ok()) {
    last_listed_ = *listed;
  } else if (std::optional<int64_t> held = list_failures_.Admit(absl::Now())) {
    LogWarning("listing worker pods failed", {{"error", listed.status().ToString()},
                                              {"using", absl::StrJoin(last_listed_, ",")},
                                              {"since_last", absl::StrCat(*held)}});
  }
  return last_listed_;
}

std::string KubernetesProvisioner::RandomPodName() {
  std::string name = absl::StrCat(options_.pod_prefix, "-");
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < kSuffixLength; ++i) {
    name.push_back(kSuffixAlphabet[absl::Uniform<size_t>(random_, 0, sizeof(kSuffixAlphabet) - 1)]);
  }
  return name;
}

absl::StatusOr<std::string> KubernetesProvisioner::AddWorker() {
  ASSIGN_OR_RETURN(const int64_t token, LeaderToken());
  int others_adding = 0;
  {
    absl::MutexLock lock(&mu_);
    others_adding = adding_++;
  }
  absl::Cleanup done = [this] {
    absl::MutexLock lock(&mu_);
    --adding_;
  };
  ASSIGN_OR_RETURN(const std::vector<std::string> live, ListLivePods());
  if (static_cast<int>(live.size()) + others_adding >= options_.max_workers) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the Kubernetes provisioner already runs ", live.size(), " worker pods",
        others_adding > 0 ? absl::StrCat(" and starts ", others_adding, " more") : "",
        ", its limit of ", options_.max_workers, "; raise --max-workers to allow more"));
  }
  return CreatePod(token);
}

absl::StatusOr<std::string> KubernetesProvisioner::CreatePod(int64_t token) {
  ASSIGN_OR_RETURN(ApiResponse deployment,
                   client_->Call("GET", absl::StrCat("/apis/apps/v1/namespaces/", namespace_,
                                                     "/deployments/", options_.worker_deployment)));
  if (!deployment.ok()) {
    return internal::ErrorOf(deployment, {.verb = "get",
                                          .resource = "deployments.apps",
                                          .name = options_.worker_deployment,
                                          .kubernetes_namespace = namespace_});
  }
  RETURN_IF_ERROR(Fence(token));
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    const std::string name = RandomPodName();
    ASSIGN_OR_RETURN(json pod, internal::WorkerPodFromDeployment(
                                   deployment.body, {.name = name,
                                                     .kubernetes_namespace = namespace_,
                                                     .managed_by = options_.managed_by,
                                                     .container = options_.worker_container}));
    ASSIGN_OR_RETURN(ApiResponse r, client_->Call("POST", PodsPath(), &pod));
    if (r.ok()) {
      LogInfo("worker pod created", {{"worker", name},
                                     {"namespace", namespace_},
                                     {"template", options_.worker_deployment},
                                     {"fencing_token", absl::StrCat(token)}});
      return name;
    }
    absl::Status error = internal::ErrorOf(
        r,
        {.verb = "create", .resource = "pods", .name = name, .kubernetes_namespace = namespace_});
    if (!absl::IsAlreadyExists(error)) return error;
  }
  return absl::AlreadyExistsError(absl::StrCat(kNameAttempts, " random pod names starting ",
                                               options_.pod_prefix, "- were all taken"));
}

absl::Status KubernetesProvisioner::RemoveWorker(const std::string& worker_id) {
  ASSIGN_OR_RETURN(const int64_t token, LeaderToken());
  auto not_ours = [&](absl::string_view why) {
    return absl::NotFoundError(absl::StrCat("worker ", worker_id, " ", why,
                                            "; the Kubernetes provisioner removes only the pods "
                                            "it started (labelled ",
                                            internal::WorkerPodSelector(options_.managed_by), ")"));
  };
  if (!absl::StartsWith(worker_id, absl::StrCat(options_.pod_prefix, "-")) ||
      !internal::IsDnsLabel(worker_id)) {
    return not_ours(absl::StrCat("is not named ", options_.pod_prefix, "-..."));
  }
  const std::string path = absl::StrCat(PodsPath(), "/", worker_id);
  const ApiAction get{
      .verb = "get", .resource = "pods", .name = worker_id, .kubernetes_namespace = namespace_};
  ASSIGN_OR_RETURN(ApiResponse pod, client_->Call("GET", path));
  if (pod.status == 404) return not_ours("has no pod");
  if (!pod.ok()) return internal::ErrorOf(pod, get);
  if (!internal::IsManagedWorkerPod(pod.body, options_.managed_by)) {
    return not_ours("is a pod without the provisioner's labels");
  }
  if (!internal::IsLivePod(pod.body)) return absl::OkStatus();  // already going or gone
  RETURN_IF_ERROR(Fence(token));
  // The uid precondition deletes exactly the pod read above, not one made
  // since under the same name.
  json options = {{"apiVersion", "v1"},
                  {"kind", "DeleteOptions"},
                  {"gracePeriodSeconds", absl::ToInt64Seconds(options_.stop_grace)}};
  if (const std::string uid = internal::UidOf(pod.body); !uid.empty()) {
    options["preconditions"] = {{"uid", uid}};
  }
  ASSIGN_OR_RETURN(ApiResponse r, client_->Call("DELETE", path, &options));
  if (r.status == 404) return not_ours("has no pod any more");
  if (!r.ok()) {
    return internal::ErrorOf(r, {.verb = "delete",
                                 .resource = "pods",
                                 .name = worker_id,
                                 .kubernetes_namespace = namespace_});
  }
  LogInfo("worker pod deleted",
          {{"worker", worker_id},
           {"grace_s", absl::StrCat(absl::ToInt64Seconds(options_.stop_grace))},
           {"fencing_token", absl::StrCat(token)}});
  return absl::OkStatus();
}

}  // namespace infaas::autoscaler
