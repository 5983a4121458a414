#include "common/cluster_secret.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include "common/secret_file.h"

namespace infaas {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AddMetadata final : public grpc::experimental::Interceptor {
 public:
  explicit AddMetadata(const CallMetadata* metadata) : metadata_(metadata) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* sent = methods->GetSendInitialMetadata();
      for (const auto& [key, value] : *metadata_) sent->emplace(key, value);
    }
    methods->Proceed();
  }

 private:
  const CallMetadata* const metadata_;
};

class AddMetadataFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit AddMetadataFactory(CallMetadata metadata) : metadata_(std::move(metadata)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new AddMetadata(&metadata_);
  }

 private:
  const CallMetadata metadata_;  // lives as long as the channel
};

}  // namespace

absl::string_view ClientMetadataValue(const grpc::ServerContextBase& context,
                                      absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

absl::Status CheckClusterSecret(const grpc::ServerContextBase& context, absl::string_view secret) {
  if (secret.empty()) return absl::OkStatus();
  if (SecretsEqual(ClientMetadataValue(context, kClusterSecretMetadataKey), secret)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "this call is for members of the cluster: it needs the cluster secret "
      "(--cluster-secret-file, the same file for the master and its workers)");
}

std::shared_ptr<grpc::Channel> CreateChannelWithMetadata(
    const std::string& address, const grpc::ChannelArguments& args, CallMetadata metadata,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  std::erase_if(metadata, [](const auto& pair) { return pair.second.empty(); });
  if (metadata.empty()) return grpc::CreateCustomChannel(address, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<AddMetadataFactory>(std::move(metadata)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, credentials, args,
                                                                 std::move(factories));
}

}  // namespace infaas
