#pragma once

// WorkerClients: one gRPC channel and stub per worker address, created on
// first use and reused (channels multiplex calls; creating one per query
// would cost a TCP handshake each time).
//
//   worker_rpc::Worker::StubInterface* stub = clients.For("127.0.0.1:50101");
//
// Tests pass a StubFactory to reach a fake worker instead (for example an
// in-process server's channel: see controller/testing/fake_worker.h).
//
// Thread-safe; stubs live as long as this object.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"

namespace infaas::controller {

class WorkerClients {
 public:
  using StubFactory =
      std::function<std::unique_ptr<worker_rpc::Worker::StubInterface>(const std::string& address)>;

  // `own_connections`: this object's channels do not share TCP connections
  // (gRPC subchannels) with other channels of this process, so that, e.g.,
  // offline jobs' calls do not queue behind or lock against online ones.
  // `cluster_secret` (empty: none) goes with every call (common/cluster_secret.h),
  // over `credentials` (null: plaintext; TLS ones from common/tls.h).
  explicit WorkerClients(bool own_connections = false, std::string cluster_secret = "",
                         std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  // Stubs come from `factory`, called once per address.
  explicit WorkerClients(StubFactory factory) : factory_(std::move(factory)) {}

  worker_rpc::Worker::StubInterface* For(const std::string& address);

 private:
  const StubFactory factory_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<worker_rpc::Worker::StubInterface>> stubs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
