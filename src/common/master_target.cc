#include "common/master_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace infaas {
namespace {

// Every infaas.v1 and KServe v2 method: a call no master saw is tried once
// more (on the next master, once the channel moved on).
constexpr absl::string_view kFailoverServiceConfig = R"json({
  "loadBalancingConfig": [{"pick_first": {}}],
  "methodConfig": [{
    "name": [{"service": "infaas.v1.Infaas"}, {"service": "infaas.v1.Access"},
             {"service": "inference.GRPCInferenceService"}],
    "retryPolicy": {
      "maxAttempts": 2,
      "initialBackoff": "0.05s",
      "maxBackoff": "0.5s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

struct HostPort {
  std::string host;
  std::string port;
};

absl::StatusOr<HostPort> SplitHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == address.size() || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("master address \"", address, "\" needs HOST:PORT, e.g. 10.0.0.1:50052"));
  }
  std::string host(address.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{std::move(host), std::string(address.substr(colon + 1))};
}

// The host's addresses, numeric, as the "ipv4:" / "ipv6:" schemes want them.
std::vector<std::string> Resolve(const HostPort& hp, int family) {
  addrinfo hints = {};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &found) != 0) return out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(family, raw, text, sizeof(text)) == nullptr) continue;
    const std::string entry = family == AF_INET ? absl::StrCat(text, ":", hp.port)
                                                : absl::StrCat("[", text, "]:", hp.port);
    if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(entry);
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

std::vector<std::string> SplitMasterAddresses(absl::string_view addresses) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(addresses, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

absl::StatusOr<std::string> MasterTarget(absl::string_view addresses,
                                         grpc::ChannelArguments& args) {
  const std::vector<std::string> masters = SplitMasterAddresses(addresses);
  if (masters.empty()) {
    return absl::InvalidArgumentError("no master address given; give HOST:PORT[,HOST:PORT...]");
  }
  if (masters.size() == 1) return masters[0];
  std::vector<std::string> v4, v6;
  for (const std::string& master : masters) {
    absl::StatusOr<HostPort> hp = SplitHostPort(master);
    if (!hp.ok()) return hp.status();
    for (std::string& a : Resolve(*hp, AF_INET)) v4.push_back(std::move(a));
    for (std::string& a : Resolve(*hp, AF_INET6)) v6.push_back(std::move(a));
  }
  if (v4.empty() && v6.empty()) {
    return absl::NotFoundError(absl::StrCat("none of the masters ", absl::StrJoin(masters, ", "),
                                            " resolves to an address"));
  }
  // A gRPC target holds one address family; IPv4 when there is any.
  const std::string target = v4.empty() ? absl::StrCat("ipv6:", absl::StrJoin(v6, ","))
                                        : absl::StrCat("ipv4:", absl::StrJoin(v4, ","));
  args.SetServiceConfigJSON(std::string(kFailoverServiceConfig));
  // Also each connection attempt's timeout (gRPC's default: 20 s).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return target;
}

}  // namespace infaas
