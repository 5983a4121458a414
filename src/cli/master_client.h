#pragma once

// How client commands (status, register, modarch, modinfo, query, offline)
// find and call the master.
//
// The address comes from, in this order: the --master flag, the
// INFAAS_MASTER environment variable, the file <home>/run/master.address that
// `infaas up` writes, and finally localhost:50052. It may name several
// masters sharing one store, comma-separated: the channel uses the first
// that answers and fails over to the next (common/master_target.h).
//
// Every call carries an API key when there is one: INFAAS_API_KEY, else the
// operator's key in <home>/admin.key that `infaas up` makes. With
// INFAAS_TLS_CA (a PEM file) the channel is TLS, checked against that CA.
//
//   MasterClient master(ResolveMasterAddress(flags.master));
//   grpc::ClientContext context;
//   SetDeadline(context, absl::Seconds(10));
//   grpc::Status s = master.stub().GetClusterStatus(&context, request, &status);
//   if (!s.ok()) return master.CallError(s);
//
// MasterClient is thread-compatible; the stub itself is thread-safe.

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "infaas/v1/api.grpc.pb.h"

namespace infaas::cli {

inline constexpr absl::string_view kDefaultMasterAddress = "localhost:50052";

// The first non-empty of: `flag`, `env` (INFAAS_MASTER), the first line of
// `address_file` if it exists, kDefaultMasterAddress. Surrounding white space
// is ignored.
std::string ResolveMasterAddress(absl::string_view flag, absl::string_view env,
                                 const std::filesystem::path& address_file);

// As above with the real environment and <home>/run/master.address.
std::string ResolveMasterAddress(absl::string_view flag);

// Adds --master HOST:PORT to a subcommand, describing the fallbacks.
void AddMasterOption(CLI::App& command, std::string* address);

// Sets a deadline `timeout` from now on `context`.
void SetDeadline(grpc::ClientContext& context, absl::Duration timeout);

// The API key calls carry: $INFAAS_API_KEY, else <home>/admin.key, else
// none. A key file others may read is not used (a warning says why).
std::string ResolveApiKey();

// A stub for infaas.v1.Infaas on an insecure channel to `address`.
std::unique_ptr<v1::Infaas::Stub> NewInfaasStub(const std::string& address);

// A channel and stub to one master, and the explanation of failed calls.
class MasterClient {
 public:
  explicit MasterClient(std::string address);

  const std::string& address() const { return address_; }
  v1::Infaas::Stub& stub() { return *stub_; }
  v1::Access::Stub& access() { return *access_; }

  // The status of a failed call as "CODE: message" with the same code. When
  // the master could not be reached at all, the message says where it was
  // looked for and how to start one.
  absl::Status CallError(const grpc::Status& status) const;

 private:
  const std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Infaas::Stub> stub_;
  std::unique_ptr<v1::Access::Stub> access_;
};

}  // namespace infaas::cli
