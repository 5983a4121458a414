#include "loadgen/load_generator.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"

namespace infaas::loadgen {
namespace {

// Queries in flight; the last answer wakes the waiting sender.
class Outstanding {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void Done() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  // True if none remained before `deadline`.
  bool AwaitNone(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithDeadline(absl::Condition(
                                     +[](int* c) { return *c == 0; }, &count_),
                                 deadline);
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

struct Call {
  grpc::ClientContext context;
  v1::QueryOnlineResponse response;
  absl::Duration offset;
  absl::Time sent;
};

}  // namespace

absl::Status RunOpenLoopLoad(v1::Infaas::Stub* stub, const v1::QueryOnlineRequest& request,
                             const LoadOptions& options, LoadRecorder* recorder) {
  if (options.arrivals.empty()) {
    return absl::InvalidArgumentError("the load has no arrivals; give a rate above 0");
  }
  // Outlives every call: the last callback may run after we stop waiting.
  auto outstanding = std::make_shared<Outstanding>();
  const absl::Time start = absl::Now();
  absl::Time next_tick = start + absl::Seconds(1);
  for (const absl::Duration offset : options.arrivals) {
    const absl::Time at = start + offset;
    absl::Time now = absl::Now();
    while (now < at) {
      if (options.on_second && now >= next_tick) {
        options.on_second(now - start);
        next_tick += absl::Seconds(1);
      }
      absl::SleepFor(std::min(at, next_tick) - now);
      now = absl::Now();
    }
    auto* call = new Call;
    call->offset = offset;
    call->sent = now;
    call->context.set_deadline(absl::ToChronoTime(now + options.timeout));
    recorder->RecordSent(offset);
    outstanding->Add();
    stub->async()->QueryOnline(
        &call->context, &request, &call->response,
        [call, recorder, outstanding, on_answer = &options.on_answer](grpc::Status status) {
          std::unique_ptr<Call> owned(call);
          const absl::Duration latency = absl::Now() - owned->sent;
          const absl::Status result = FromGrpcStatus(status);
          recorder->RecordDone(owned->offset, latency, result, owned->response.variant(),
                               {.predicted_ms = owned->response.predicted_latency_ms(),
                                .measured_ms = owned->response.measured_latency_ms()});
          if (*on_answer) (*on_answer)(result, owned->response, latency);
          outstanding->Done();
        });
  }
  // Never stop waiting before every deadline has passed: callbacks use
  // `recorder`, which the caller frees once we return.
  const absl::Time give_up =
      absl::Now() + std::max(options.drain, options.timeout + absl::Seconds(1));
  while (!outstanding->AwaitNone(std::min(give_up, next_tick))) {
    if (absl::Now() >= give_up) break;
    if (options.on_second) options.on_second(absl::Now() - start);
    next_tick += absl::Seconds(1);
  }
  return absl::OkStatus();
}

}  // namespace infaas::loadgen
