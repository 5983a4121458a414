#pragma once

// WorkerPort: how the control core reaches a worker — Infer (one call that
// may carry several queries' parts), LoadVariant and UnloadVariant — without
// knowing the transport. The master's adapter is gRPC (grpc_worker_port.h);
// the simulator's reaches emulated workers on virtual time
// (sim/sim_worker_port.h). The messages are the worker protocol's own.
//
//   port->Infer(address, &call->request, &call->reply, deadline,
//               [call](WorkerPort::CallStatus s) { ... call->reply ... });
//
// `request` and `reply` belong to the caller and must stay valid, untouched,
// until `done` has run. `done` runs exactly once, on a thread of the
// adapter's (or the caller's, when the call cannot start). Infer returns a
// Cancel: calling it ends the call early (`done` sees CANCELLED) unless it
// has ended; it may be called any number of times (from one thread at a
// time), before or after the call ends, and dropped unused. Implementations are thread-safe.

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infaas/worker_rpc/worker.pb.h"

namespace infaas::controller {

class WorkerPort {
 public:
  struct CallStatus {
    absl::Status status;
    // The status is the worker's own answer, not a failed connection: a
    // worker that answers UNAVAILABLE (a variant loading there) is alive.
    bool answered_by_worker = false;
  };
  using Done = absl::AnyInvocable<void(CallStatus)>;
  using Cancel = absl::AnyInvocable<void()>;

  virtual ~WorkerPort() = default;

  virtual Cancel Infer(const std::string& address, const worker_rpc::InferRequest* request,
                       worker_rpc::InferResponse* reply, absl::Time deadline, Done done) = 0;
  virtual void LoadVariant(const std::string& address,
                           const worker_rpc::LoadVariantRequest* request, absl::Time deadline,
                           Done done) = 0;
  virtual void UnloadVariant(const std::string& address,
                             const worker_rpc::UnloadVariantRequest* request, absl::Time deadline,
                             Done done) = 0;
};

}  // namespace infaas::controller
