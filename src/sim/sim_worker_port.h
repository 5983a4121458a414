#pragma once

// SimWorkerPort: the control core's WorkerPort on the simulator's virtual
// cluster. A call reaches the emulated worker at its address half a call
// overhead after it leaves, and its answer comes back half an overhead after
// the worker gave it, as over gRPC. An Infer call's parts each become a query
// of the worker with its own latency budget, as the real worker admits,
// batches and answers each part on its own; outputs are left empty (the
// emulated worker computes no tensors).
//
//   SimWorkerPort port(&loop, absl::Microseconds(400));
//   port.Attach(&worker);                 // reachable at worker.address()
//   LoadCoordinator loads(&port, &cluster, loop.clock());
//   ...
//   port.Close();   // fails every call still out, CANCELLED, as a channel
//                   // shut down does; later calls fail at once
//
// A call to an address with no worker attached fails UNAVAILABLE, not
// answered by a worker (a connection that failed). Single-threaded, on the
// EventLoop.

#include <cstdint>
#include <map>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "controller/worker_port.h"
#include "sim/emulated_worker.h"
#include "sim/event_loop.h"

namespace infaas::sim {

class SimWorkerPort final : public controller::WorkerPort {
 public:
  SimWorkerPort(EventLoop* loop, absl::Duration call_overhead)
      : loop_(loop), call_overhead_(call_overhead) {}

  // Calls to worker->address() reach `worker` until Detach.
  void Attach(EmulatedWorker* worker) { workers_[worker->address()] = worker; }
  void Detach(const std::string& address) { workers_.erase(address); }

  Cancel Infer(const std::string& address, const worker_rpc::InferRequest* request,
               worker_rpc::InferResponse* reply, absl::Time deadline, Done done) override;
  void LoadVariant(const std::string& address, const worker_rpc::LoadVariantRequest* request,
                   absl::Time deadline, Done done) override;
  void UnloadVariant(const std::string& address, const worker_rpc::UnloadVariantRequest* request,
                     absl::Time deadline, Done done) override;

  void Close();

 private:
  struct InferCall;
  // Keeps `done` until Answer, End or Close, and runs `arrive` with the
  // call's id and the worker half an overhead from now, when the call gets
  // there (or answers UNAVAILABLE if no worker is there any more). Returns
  // the id; 0 when the port is closed (`done` has run).
  uint64_t Send(const std::string& address, Done done,
                absl::AnyInvocable<void(uint64_t id, EmulatedWorker* worker)> arrive);
  // Ends call `id` with `status` now, if it is still open.
  void End(uint64_t id, CallStatus status);
  // Ends call `id` with `status` half an overhead from now (nothing if it
  // was closed meanwhile).
  void Answer(uint64_t id, CallStatus status);

  EventLoop* const loop_;
  const absl::Duration call_overhead_;
  std::map<std::string, EmulatedWorker*> workers_;
  std::map<uint64_t, Done> open_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace infaas::sim
