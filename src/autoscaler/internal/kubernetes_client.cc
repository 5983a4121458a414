#include "autoscaler/internal/kubernetes_client.h"

#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::autoscaler::internal {
namespace {

// A service-account token is a JWT of a kilobyte or two.
constexpr uint64_t kMaxTokenBytes = 64 << 10;
// How much of a non-JSON answer an error message quotes.
constexpr size_t kQuotedBytes = 200;

// httplib takes timeouts as seconds and microseconds.
std::pair<time_t, time_t> SecondsAndMicros(absl::Duration d) {
  const int64_t us = std::max<int64_t>(absl::ToInt64Microseconds(d), 1);
  return {static_cast<time_t>(us / 1'000'000), static_cast<time_t>(us % 1'000'000)};
}

std::string Described(const ApiAction& a) {
  std::string what = absl::StrCat(a.verb, " ", a.resource);
  if (!a.name.empty()) absl::StrAppend(&what, " \"", a.name, "\"");
  if (!a.kubernetes_namespace.empty()) {
    absl::StrAppend(&what, " in namespace \"", a.kubernetes_namespace, "\"");
  }
  return what;
}

// The Kubernetes Status object's message (api-conventions: every error
// answer is a Status with "message", "reason" and "code"), else the text.
std::string MessageOf(const ApiResponse& r) {
  if (r.body.is_object()) {
    auto message = r.body.find("message");
    if (message != r.body.end() && message->is_string()) return message->get<std::string>();
  }
  return r.text.substr(0, kQuotedBytes);
}

std::string ReasonOf(const ApiResponse& r) {
  if (!r.body.is_object()) return "";
  auto reason = r.body.find("reason");
  return reason != r.body.end() && reason->is_string() ? reason->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<KubernetesClient>> KubernetesClient::Create(
    KubernetesClientOptions options) {
  if (options.host.empty() || options.port <= 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("the Kubernetes API server's address \"", options.host, ":", options.port,
                     "\" is not HOST:PORT; in a pod, KUBERNETES_SERVICE_HOST and "
                     "KUBERNETES_SERVICE_PORT give it"));
  }
  // Read once here so a missing CA is said at start, not at the first call.
  std::ifstream ca(options.ca_file);
  if (!ca) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the Kubernetes API server's CA file ", options.ca_file.string(),
                     " (a pod's service account mounts it unless automountServiceAccountToken "
                     "is false)"));
  }
  return std::unique_ptr<KubernetesClient>(new KubernetesClient(std::move(options)));
}

absl::StatusOr<std::string> KubernetesClient::ReadToken() const {
  absl::StatusOr<std::string> token = ReadFileAtMost(options_.token_file, kMaxTokenBytes);
  if (!token.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the service-account token: ", token.status().message()));
  }
  std::string stripped(absl::StripAsciiWhitespace(*token));
  // It goes into a header line as it is.
  const bool printable =
      std::all_of(stripped.begin(), stripped.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (stripped.empty() || !printable) {
    return absl::FailedPreconditionError(
        absl::StrCat("the service-account token file ", options_.token_file.string(),
                     stripped.empty() ? " is empty" : " holds more than one printable word"));
  }
  return stripped;
}

absl::StatusOr<ApiResponse> KubernetesClient::Call(const std::string& method,
                                                   const std::string& path,
                                                   const nlohmann::json* body) const {
  ASSIGN_OR_RETURN(const std::string token, ReadToken());
  httplib::SSLClient client(options_.host, options_.port);
  client.set_ca_cert_path(options_.ca_file.string());
  client.enable_server_certificate_verification(true);
  const auto [connect_s, connect_us] = SecondsAndMicros(options_.connect_timeout);
  const auto [read_s, read_us] = SecondsAndMicros(options_.read_timeout);
  client.set_connection_timeout(connect_s, connect_us);
  client.set_read_timeout(read_s, read_us);
  client.set_write_timeout(read_s, read_us);

  httplib::Request request;
  request.method = method;
  request.path = path;
  request.set_header("Authorization", absl::StrCat("Bearer ", token));
  request.set_header("Accept", "application/json");
  request.set_header("User-Agent", "infaas-master");
  if (body != nullptr) {
    request.body = body->dump();
    request.set_header("Content-Type", "application/json");
  }
  // The body is read through this receiver so that it stops at the limit
  // instead of growing with whatever the peer sends.
  std::string received;
  bool too_large = false;
  request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (received.size() + n > options_.max_response_bytes) {
      too_large = true;
      return false;
    }
    received.append(data, n);
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const std::string where =
      absl::StrCat(method, " https://", options_.host, ":", options_.port, path);
  if (!client.send(request, response, error)) {
    if (too_large) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the Kubernetes API server's answer to ", where, " is over ",
                       options_.max_response_bytes, " bytes, the most read"));
    }
    return absl::UnavailableError(absl::StrCat(
        "the Kubernetes API server did not answer ", where, " (", httplib::to_string(error),
        " error; waited at most ", absl::FormatDuration(options_.connect_timeout),
        " to connect and ", absl::FormatDuration(options_.read_timeout), " per read)"));
  }
  ApiResponse out{.status = response.status, .body = nullptr, .text = received};
  if (!received.empty()) {
    out.body = nlohmann::json::parse(received, nullptr, /*allow_exceptions=*/false);
    if (out.body.is_discarded()) out.body = nullptr;
  }
  if (out.text.size() > kQuotedBytes) out.text.resize(kQuotedBytes);
  return out;
}

absl::Status ErrorOf(const ApiResponse& r, const ApiAction& action) {
  const std::string what = absl::StrCat("the Kubernetes API server refused to ", Described(action),
                                        " (HTTP ", r.status, "): ", MessageOf(r));
  switch (r.status) {
    case 401:
      return absl::PermissionDeniedError(
          absl::StrCat(what,
                       "; it did not accept the service-account token (expired, or the "
                       "service account was deleted)"));
    case 403:
      return absl::PermissionDeniedError(absl::StrCat(
          what, "; the master's service account needs the RBAC verb \"", action.verb, "\" on \"",
          action.resource, "\" in its Role (deploy/kubernetes/rbac.yaml)"));
    case 404:
      return absl::NotFoundError(what);
    case 409:
      if (ReasonOf(r) == "AlreadyExists") return absl::AlreadyExistsError(what);
      return absl::AbortedError(what);
    case 400:
    case 422:
      return absl::InvalidArgumentError(what);
    case 429:
      return absl::UnavailableError(what);
    default:
      if (r.status >= 500) return absl::UnavailableError(what);
      return absl::UnknownError(what);
  }
}

std::string EncodeQueryValue(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace infaas::autoscaler::internal
