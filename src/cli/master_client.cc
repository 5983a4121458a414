#include "cli/master_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/local_state.h"
#include "common/cluster_secret.h"
#include "common/master_target.h"
#include "common/secret_file.h"
#include "common/tls.h"

namespace infaas::cli {
namespace {

// Requests carry images; match the master's 64 MiB receive limit.
constexpr int kMaxMessageBytes = 64 << 20;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  const std::string key = ResolveApiKey();
  const char* ca = std::getenv("INFAAS_TLS_CA");
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(ca == nullptr ? "" : ca);
  if (!credentials.ok()) {
    std::cerr << "infaas: INFAAS_TLS_CA: " << credentials.status().message() << "\n";
    credentials = grpc::InsecureChannelCredentials();
  }
  // Several masters ("a:1,b:2"): one channel that fails over between them.
  absl::StatusOr<std::string> target = MasterTarget(address, args);
  if (!target.ok()) {
    std::cerr << "infaas: --master " << address << ": " << target.status().message() << "\n";
    target = address;  // calls fail, and CallError says where it looked
  }
  return CreateChannelWithMetadata(*target, args,
                                   {{"authorization", key.empty() ? "" : "Bearer " + key}},
                                   *std::move(credentials));
}

std::string FirstLineOf(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return std::string(absl::StripAsciiWhitespace(line));
}

}  // namespace

std::string ResolveApiKey() {
  if (const char* env = std::getenv("INFAAS_API_KEY"); env != nullptr && *env != '\0') {
    return std::string(absl::StripAsciiWhitespace(env));
  }
  absl::StatusOr<std::string> kept = ReadSecretFile(AdminKeyFile());
  if (kept.ok()) return *std::move(kept);
  if (!absl::IsNotFound(kept.status())) {
    std::cerr << "infaas: not using the key in " << AdminKeyFile().string() << ": "
              << kept.status().message() << "\n";
  }
  return "";
}

std::string ResolveMasterAddress(absl::string_view flag, absl::string_view env,
                                 const std::filesystem::path& address_file) {
  if (absl::string_view f = absl::StripAsciiWhitespace(flag); !f.empty()) return std::string(f);
  if (absl::string_view e = absl::StripAsciiWhitespace(env); !e.empty()) return std::string(e);
  if (std::string from_file = FirstLineOf(address_file); !from_file.empty()) return from_file;
  return std::string(kDefaultMasterAddress);
}

std::string ResolveMasterAddress(absl::string_view flag) {
  const char* env = std::getenv("INFAAS_MASTER");
  return ResolveMasterAddress(flag, env == nullptr ? "" : env, MasterAddressFile());
}

void AddMasterOption(CLI::App& command, std::string* address) {
  command.add_option("--master", *address,
                     "Master HOST:PORT, or several masters' comma-separated (the first that "
                     "answers is used; on failure the next) (default: $INFAAS_MASTER, else the "
                     "address `infaas up` wrote to $INFAAS_HOME/run/master.address, else "
                     "localhost:50052)");
}

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::unique_ptr<v1::Infaas::Stub> NewInfaasStub(const std::string& address) {
  return v1::Infaas::NewStub(NewChannel(address));
}

MasterClient::MasterClient(std::string address)
    : address_(std::move(address)),
      channel_(NewChannel(address_)),
      stub_(v1::Infaas::NewStub(channel_)),
      access_(v1::Access::NewStub(channel_)) {}

absl::Status MasterClient::CallError(const grpc::Status& status) const {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string message = absl::StrCat(absl::StatusCodeToString(code), ": ", status.error_message());
  // The master answers UNAVAILABLE itself ("No model can satisfy ..."); only
  // a channel that never connected means nobody is listening.
  const grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/false);
  if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_CONNECTING ||
      state == GRPC_CHANNEL_IDLE) {
    absl::StrAppend(&message, " (no master answers at ", address_,
                    "; start one with `infaas up` or point --master / INFAAS_MASTER at it)");
  }
  return absl::Status(code, message);
}

}  // namespace infaas::cli
