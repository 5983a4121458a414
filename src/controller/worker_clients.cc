#include "controller/worker_clients.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "common/cluster_secret.h"

namespace infaas::controller {

WorkerClients::WorkerClients(bool own_connections, std::string cluster_secret,
                             std::shared_ptr<grpc::ChannelCredentials> credentials)
    : factory_([own_connections, secret = std::move(cluster_secret),
                credentials = std::move(credentials)](const std::string& address) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(64 << 20);
        args.SetMaxSendMessageSize(64 << 20);
        if (own_connections) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        // A worker cut off (its host down, a partition) answers nothing and
        // resets nothing: without pings its calls would wait for their
        // deadlines. An unanswered ping fails them within ~2 s as
        // UNAVAILABLE, and the router places them again elsewhere.
        args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
        args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 1000);
        args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
        args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
        return worker_rpc::Worker::NewStub(CreateChannelWithMetadata(
            address, args, {{kClusterSecretMetadataKey, secret}}, credentials));
      }) {}

worker_rpc::Worker::StubInterface* WorkerClients::For(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<worker_rpc::Worker::StubInterface>& stub = stubs_[address];
  if (stub == nullptr) stub = factory_(address);
  return stub.get();
}

}  // namespace infaas::controller
