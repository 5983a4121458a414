#pragma once

// CallCoalescer: sends online queries to workers, several to the same variant
// on the same worker in one Infer call when earlier calls there are still in
// flight, so that the per-call cost (two gRPC ends, a thread hop on each) is
// shared by many small queries.
//
// The rule, per (worker, variant):
//  - while fewer than `calls_per_instance` x instances calls are in flight,
//    a query leaves at once, alone, as a plain call;
//  - otherwise it waits here, and the next answer from there sends the
//    waiting queries, oldest first, in as few calls as the variant's max
//    batch allows (in inputs; a larger query goes alone).
// A query waits at most as long as a call there takes — time it would
// otherwise spend in the worker's queue. Each query keeps its own latency
// budget, computed when its call leaves (not before: the wait counts); the
// worker admits, batches and answers each part on its own
// (worker_rpc.QueryPart), so a tight query cannot get a slack one refused.
// A query whose target or caller's deadline passes while it waits is
// answered DEADLINE_EXCEEDED without being sent.
//
//   coalescer.Send({.address = a, .variant = v, .max_batch = 8, .instances = 1},
//                  {.inputs = std::move(inputs), .must_finish_by = t, .deadline = d,
//                   .done = [](CallCoalescer::Outcome o) {...}});
//
// Calls go through a WorkerPort (gRPC in the master, emulated workers in the
// simulator). `done` runs exactly once, on the port's callback thread (or
// the caller's, when the call cannot start); the inputs come back with it
// for a retry.
// Thread-safe.

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/worker_port.h"
#include "infaas/worker_rpc/worker.pb.h"

namespace infaas::controller {

class CallCoalescer {
 public:
  struct Options {
    // Calls in flight per instance of a variant on a worker before queries
    // wait to be sent together; 0 sends every query at once, alone.
    int calls_per_instance = 2;
  };

  struct Target {
    std::string address;  // the worker's
    std::string variant;
    int max_batch = 1;  // inputs per call, at most (one larger query goes alone)
    int instances = 1;  // serving there
  };

  struct Outcome {
    absl::Status status;
    // The status is the worker's own answer (not a failed connection).
    bool answered_by_worker = false;
    // When OK: the outputs (one per input) and the worker's times.
    worker_rpc::PartAnswer answer;
    // When the query's call left for the worker.
    absl::Time sent;
    // The query's inputs, given back.
    google::protobuf::RepeatedPtrField<v1::InputTensor> inputs;
  };
  using Done = absl::AnyInvocable<void(Outcome)>;

  struct Query {
    google::protobuf::RepeatedPtrField<v1::InputTensor> inputs = {};
    // When the worker must have answered to meet the latency target, the
    // way back kept out; InfiniteFuture: no target.
    absl::Time must_finish_by = absl::InfiniteFuture();
    // The caller's deadline.
    absl::Time deadline = absl::InfiniteFuture();
    Done done = nullptr;
  };

  CallCoalescer(WorkerPort* workers, Clock* clock, Options options);
  // Waits until every call it started is over (its answers delivered):
  // `workers` must outlive this.
  ~CallCoalescer();

  void Send(const Target& target, Query query);

 private:
  struct Group {
    int in_flight = 0;
    std::deque<Query> waiting;
  };
  struct Call;
  using Key = std::pair<std::string, std::string>;  // address, variant

  // Takes the next call's queries from `group`; empty when none may leave.
  std::vector<Query> NextCallLocked(Group& group, const Target& target)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every call that may leave now.
  std::vector<std::vector<Query>> TakeCallsLocked(Group& group, const Target& target)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Start(const Target& target, std::vector<Query> queries);
  void Finish(const Target& target, std::shared_ptr<Call> call, WorkerPort::CallStatus status);

  WorkerPort* const workers_;
  Clock* const clock_;
  const Options options_;
  absl::Mutex mu_;
  std::map<Key, Group> groups_ ABSL_GUARDED_BY(mu_);
  // Calls started and not yet answered.
  int live_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace infaas::controller
