#include "controller/worker_clients.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace infaas::controller {

WorkerClients::WorkerClients(bool own_connections)
    : factory_([own_connections](const std::string& address) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(64 << 20);
        args.SetMaxSendMessageSize(64 << 20);
        if (own_connections) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        return worker_rpc::Worker::NewStub(
            grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
      }) {}

worker_rpc::Worker::StubInterface* WorkerClients::For(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<worker_rpc::Worker::StubInterface>& stub = stubs_[address];
  if (stub == nullptr) stub = factory_(address);
  return stub.get();
}

}  // namespace infaas::controller
