#pragma once

// TLS for INFaaS's listeners and channels, from PEM files the operator
// gives (--tls-cert, --tls-key, --tls-ca; docs/security.md).
//
//   ASSIGN_OR_RETURN(auto server_creds, ServerCredentialsFor({cert, key}));
//   builder.AddListeningPort(address, server_creds);
//   ASSIGN_OR_RETURN(auto channel_creds, ChannelCredentialsFor(ca));
//   auto channel = CreateChannelWithMetadata(address, args, metadata, channel_creds);
//
// Empty paths mean plaintext on both sides. Thread-safe (pure functions).

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace infaas {

struct TlsFiles {
  std::filesystem::path cert{};  // PEM certificate chain
  std::filesystem::path key{};   // PEM private key
};

// TLS server credentials for `files`, or insecure ones when both are
// empty. InvalidArgument when only one is given or a file is unreadable.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TlsFiles& files);

// Credentials for dialing a TLS listener whose certificate `ca` (PEM)
// signs; insecure ones when `ca` is empty. InvalidArgument when unreadable.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const std::filesystem::path& ca);

}  // namespace infaas
