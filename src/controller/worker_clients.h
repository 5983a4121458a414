#pragma once

// WorkerClients: one gRPC channel and stub per worker address, created on
// first use and reused (channels multiplex calls; creating one per query
// would cost a TCP handshake each time).
//
//   internal::Worker::Stub* stub = clients.For("127.0.0.1:50101");
//
// Thread-safe; stubs live as long as this object.

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "infaas/internal/worker.grpc.pb.h"

namespace infaas::controller {

class WorkerClients {
 public:
  // `own_connections`: this object's channels do not share TCP connections
  // (gRPC subchannels) with other channels of this process, so that, e.g.,
  // offline jobs' calls do not queue behind or lock against online ones.
  explicit WorkerClients(bool own_connections = false) : own_connections_(own_connections) {}

  internal::Worker::Stub* For(const std::string& address);

 private:
  const bool own_connections_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<internal::Worker::Stub>> stubs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
