#pragma once

// KubernetesClient: JSON calls to the Kubernetes API server under a pod's
// service account, for the Kubernetes provisioner.
//
//   ASSIGN_OR_RETURN(auto client, KubernetesClient::Create(options));
//   ASSIGN_OR_RETURN(ApiResponse r, client->Call("GET", "/api/v1/namespaces/infaas/pods/w-x7k2p"));
//   if (r.status == 404) ...;
//   if (!r.ok()) return ErrorOf(r, {.verb = "get", .resource = "pods", ...});
//
// Every call opens its own TLS connection, verified against `ca_file`, and
// sends the service-account token read from `token_file` just before it:
// the kubelet rotates projected tokens by replacing the file, so a token
// read once would expire. Answers are read up to `max_response_bytes`;
// connecting (TCP and TLS handshake) and each read wait at most their
// timeout. Thread-safe: calls share nothing but the immutable options.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infaas::autoscaler::internal {

struct KubernetesClientOptions {
  std::string host{};  // the API server's host name or IP address
  int port = 443;
  std::filesystem::path token_file{};  // bearer token (service account)
  std::filesystem::path ca_file{};     // PEM CA that signed the API server's certificate
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration read_timeout = absl::Seconds(5);
  size_t max_response_bytes = size_t{4} << 20;
};

// One answer: the HTTP status and its body parsed as JSON (null when empty
// or not JSON; `text` keeps the first bytes for error messages).
struct ApiResponse {
  int status = 0;
  nlohmann::json body;
  std::string text;

  bool ok() const { return status >= 200 && status < 300; }
};

// What a call asked for, to name it in errors: verb and resource as RBAC
// spells them ("create", "pods"; "get", "deployments.apps").
struct ApiAction {
  std::string verb{};
  std::string resource{};
  std::string name{};  // empty for create and list
  std::string kubernetes_namespace{};
};

class KubernetesClient {
 public:
  // InvalidArgument when the host or port is missing; NotFound or
  // PermissionDenied when the CA file cannot be read.
  static absl::StatusOr<std::unique_ptr<KubernetesClient>> Create(KubernetesClientOptions options);

  // Sends `method` `path` (with `body` as JSON when not null) and returns
  // the answer whatever its HTTP status. Unavailable: no connection, a TLS
  // failure or a timeout; ResourceExhausted: the answer is larger than
  // max_response_bytes; FailedPrecondition: the token file is unreadable or
  // empty.
  absl::StatusOr<ApiResponse> Call(const std::string& method, const std::string& path,
                                   const nlohmann::json* body = nullptr) const;

  const KubernetesClientOptions& options() const { return options_; }

 private:
  explicit KubernetesClient(KubernetesClientOptions options) : options_(std::move(options)) {}

  absl::StatusOr<std::string> ReadToken() const;

  const KubernetesClientOptions options_;
};

// The status for an answer outside 2xx, naming `action` and carrying the
// Kubernetes Status message: PermissionDenied for 401 and 403 (saying which
// RBAC verb and resource the service account lacks), NotFound for 404,
// AlreadyExists for 409 AlreadyExists, Aborted for other 409s (a concurrent
// write), InvalidArgument for 400 and 422, Unavailable for 429 and 5xx,
// Unknown otherwise.
absl::Status ErrorOf(const ApiResponse& response, const ApiAction& action);

// `text` percent-encoded for a URL query value (RFC 3986 unreserved
// characters kept).
std::string EncodeQueryValue(absl::string_view text);

}  // namespace infaas::autoscaler::internal
