#include "controller/call_coalescer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace infaas::controller {

// One Infer call and the queries it carries.
struct CallCoalescer::Call {
  std::vector<Query> queries;
  worker_rpc::InferRequest request;
  worker_rpc::InferResponse reply;
  absl::Time sent;
};

namespace {

// Milliseconds from `now` until `by`; 0 for no limit (an infinite `by`).
double BudgetMs(absl::Time now, absl::Time by) {
  if (by == absl::InfiniteFuture()) return 0;
  return absl::ToDoubleMilliseconds(by - now);
}

absl::Time LatestOf(const std::vector<CallCoalescer::Query>& queries) {
  absl::Time latest = absl::InfinitePast();
  for (const CallCoalescer::Query& q : queries) latest = std::max(latest, q.deadline);
  return latest;
}

worker_rpc::PartAnswer PlainAnswer(worker_rpc::InferResponse& reply) {
  worker_rpc::PartAnswer answer;
  answer.mutable_outputs()->Swap(reply.mutable_outputs());
  answer.set_queue_time_ms(reply.queue_time_ms());
  answer.set_compute_time_ms(reply.compute_time_ms());
  answer.set_batch_size(reply.batch_size());
  return answer;
}

// A part's status as the worker sent it (a code outside the canonical ones
// is UNKNOWN).
absl::Status PartStatus(const worker_rpc::PartAnswer& answer) {
  const int code = answer.code();
  if (code == 0) return absl::OkStatus();
  const auto canonical = code > 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)
                             ? static_cast<absl::StatusCode>(code)
                             : absl::StatusCode::kUnknown;
  return absl::Status(canonical, answer.message());
}

}  // namespace

CallCoalescer::CallCoalescer(WorkerPort* workers, Clock* clock, Options options)
    : workers_(workers), clock_(clock), options_(options) {}

CallCoalescer::~CallCoalescer() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* live) { return *live == 0; }, &live_calls_));
}

void CallCoalescer::Send(const Target& target, Query query) {
  std::vector<std::vector<Query>> calls;
  {
    absl::MutexLock lock(&mu_);
    Group& group = groups_[Key(target.address, target.variant)];
    group.waiting.push_back(std::move(query));
    calls = TakeCallsLocked(group, target);
  }
  for (std::vector<Query>& queries : calls) Start(target, std::move(queries));
}

std::vector<std::vector<CallCoalescer::Query>> CallCoalescer::TakeCallsLocked(
    Group& group, const Target& target) {
  std::vector<std::vector<Query>> calls;
  for (std::vector<Query> next = NextCallLocked(group, target); !next.empty();
       next = NextCallLocked(group, target)) {
    calls.push_back(std::move(next));
  }
  return calls;
}

std::vector<CallCoalescer::Query> CallCoalescer::NextCallLocked(Group& group,
                                                                const Target& target) {
  std::vector<Query> call;
  const int limit = options_.calls_per_instance * std::max(1, target.instances);
  if (group.waiting.empty() || (options_.calls_per_instance > 0 && group.in_flight >= limit)) {
    return call;
  }
  int inputs = 0;
  while (!group.waiting.empty()) {
    const int next = group.waiting.front().inputs.size();
    if (!call.empty() && inputs + next > target.max_batch) break;
    inputs += next;
    call.push_back(std::move(group.waiting.front()));
    group.waiting.pop_front();
    if (options_.calls_per_instance == 0) break;  // each query alone
  }
  ++group.in_flight;
  return call;
}

void CallCoalescer::Start(const Target& target, std::vector<Query> queries) {
  auto call = std::make_shared<Call>();
  const absl::Time now = clock_->Now();
  call->sent = now;
  call->request.set_variant(target.variant);
  // A query whose target or deadline passed while it waited is answered
  // here, not sent.
  for (Query& q : queries) {
    if (std::min(q.must_finish_by, q.deadline) > now) {
      call->queries.push_back(std::move(q));
      continue;
    }
    Outcome outcome;
    outcome.status = absl::DeadlineExceededError(
        absl::StrCat("the ", q.must_finish_by <= now ? "latency target" : "deadline",
                     " passed while the query waited for a call to the worker; not run"));
    outcome.sent = now;
    outcome.inputs = std::move(q.inputs);
    q.done(std::move(outcome));
  }
  if (call->queries.empty()) {
    Finish(target, std::move(call), {});
    return;
  }
  if (call->queries.size() == 1) {
    Query& only = call->queries.front();
    call->request.mutable_inputs()->Swap(&only.inputs);
    call->request.set_slo_budget_ms(BudgetMs(now, only.must_finish_by));
  } else {
    for (Query& q : call->queries) {
      worker_rpc::QueryPart* part = call->request.add_parts();
      part->set_inputs(q.inputs.size());
      part->set_slo_budget_ms(BudgetMs(now, std::min(q.must_finish_by, q.deadline)));
      for (v1::InputTensor& input : q.inputs) *call->request.add_inputs() = std::move(input);
      q.inputs.Clear();
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++live_calls_;
  }
  // Each part's own budget bounds its wait at the worker; the call lasts
  // as long as its latest caller waits.
  workers_->Infer(target.address, &call->request, &call->reply, LatestOf(call->queries),
                  [this, target, call](WorkerPort::CallStatus s) {
                    Finish(target, call, std::move(s));
                    absl::MutexLock lock(&mu_);
                    --live_calls_;
                  });
}

void CallCoalescer::Finish(const Target& target, std::shared_ptr<Call> call,
                           WorkerPort::CallStatus result) {
  absl::Status status = std::move(result.status);
  std::vector<std::vector<Query>> calls;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find(Key(target.address, target.variant));
    Group& group = it->second;
    --group.in_flight;
    calls = TakeCallsLocked(group, target);
    if (group.in_flight == 0 && group.waiting.empty()) groups_.erase(it);
  }
  // The next calls leave before these answers are delivered.
  for (std::vector<Query>& queries : calls) Start(target, std::move(queries));
  if (call->queries.empty()) return;

  const bool answered_by_worker = result.answered_by_worker;
  const bool parts = call->request.parts_size() > 0;
  if (status.ok() && parts && call->reply.parts_size() != call->request.parts_size()) {
    status =
        absl::InternalError(absl::StrCat("the worker answered ", call->reply.parts_size(),
                                         " parts of a call with ", call->request.parts_size()));
  }
  int next_input = 0;
  for (size_t i = 0; i < call->queries.size(); ++i) {
    Query& q = call->queries[i];
    Outcome outcome;
    outcome.sent = call->sent;
    outcome.answered_by_worker = answered_by_worker;
    if (!parts) {
      outcome.inputs.Swap(call->request.mutable_inputs());
      outcome.status = status;
      if (status.ok()) outcome.answer = PlainAnswer(call->reply);
    } else {
      const int count = call->request.parts(static_cast<int>(i)).inputs();
      for (int k = 0; k < count; ++k) {
        *outcome.inputs.Add() = std::move(*call->request.mutable_inputs(next_input++));
      }
      if (!status.ok()) {
        outcome.status = status;
      } else {
        worker_rpc::PartAnswer& answer = *call->reply.mutable_parts(static_cast<int>(i));
        outcome.status = PartStatus(answer);
        if (outcome.status.ok()) outcome.answer.Swap(&answer);
      }
    }
    q.done(std::move(outcome));
  }
}

}  // namespace infaas::controller
