#pragma once

// Membership of a cluster: the master and its workers share a secret (a
// file, --cluster-secret-file) and send it with every call between them, so
// that nobody else can pose as a worker (heartbeats) or as the master
// (loads, unloads, queries).
//
//   // The caller's side: every call on the channel carries the secret.
//   auto channel = CreateChannelWithMetadata(address, args,
//                                            {{kClusterSecretMetadataKey, secret}});
//   // The callee's side, first thing in each method:
//   if (absl::Status s = CheckClusterSecret(*context, secret); !s.ok()) ...
//
// The secret travels in the clear unless the channel is TLS (--tls-*,
// common/tls.h). Thread-safe.

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas {

inline constexpr char kClusterSecretMetadataKey[] = "x-infaas-cluster-secret";

// OK when `secret` is empty (none configured) or the call carries it;
// PERMISSION_DENIED otherwise, saying what is missing.
absl::Status CheckClusterSecret(const grpc::ServerContextBase& context, absl::string_view secret);

// The first value of metadata `key` the caller sent, or empty.
absl::string_view ClientMetadataValue(const grpc::ServerContextBase& context,
                                      absl::string_view key);

using CallMetadata = std::vector<std::pair<std::string, std::string>>;

// A channel whose every call sends `metadata` (pairs with an empty value
// are skipped), over `credentials` (insecure when null; common/tls.h).
std::shared_ptr<grpc::Channel> CreateChannelWithMetadata(
    const std::string& address, const grpc::ChannelArguments& args, CallMetadata metadata,
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace infaas
