#include "controller/worker_clients.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace infaas::controller {

internal::Worker::Stub* WorkerClients::For(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<internal::Worker::Stub>& stub = stubs_[address];
  if (stub == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    if (own_connections_) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub = internal::Worker::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return stub.get();
}

}  // namespace infaas::controller
