#include "sim/sim_worker_port.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace infaas::sim {

void SimWorkerPort::End(uint64_t id, CallStatus status) {
  auto it = open_.find(id);
  if (it == open_.end()) return;  // ended meanwhile
  Done done = std::move(it->second);
  open_.erase(it);
  done(std::move(status));
}

void SimWorkerPort::Answer(uint64_t id, CallStatus status) {
  loop_->After(call_overhead_ / 2,
               [this, id, status = std::move(status)]() mutable { End(id, std::move(status)); });
}

uint64_t SimWorkerPort::Send(const std::string& address, Done done,
                             absl::AnyInvocable<void(uint64_t id, EmulatedWorker* worker)> arrive) {
  if (closed_) {
    done({.status = absl::CancelledError("the simulation ended")});
    return 0;
  }
  const uint64_t id = next_id_++;
  open_.emplace(id, std::move(done));
  loop_->After(call_overhead_ / 2, [this, id, address, arrive = std::move(arrive)]() mutable {
    if (!open_.contains(id)) return;  // closed meanwhile
    auto worker = workers_.find(address);
    if (worker == workers_.end()) {
      Answer(id, {.status = absl::UnavailableError(absl::StrCat("no worker at ", address)),
                  .answered_by_worker = false});
      return;
    }
    arrive(id, worker->second);
  });
  return id;
}

void SimWorkerPort::Close() {
  closed_ = true;
  std::map<uint64_t, Done> open = std::move(open_);
  open_.clear();
  for (auto& [id, done] : open) {
    done({.status = absl::CancelledError("the simulation ended"), .answered_by_worker = false});
  }
}

// One Infer call at the worker: where its answer goes, and how many of its
// parts are still to answer.
struct SimWorkerPort::InferCall {
  uint64_t id;
  worker_rpc::InferResponse* reply;
  int outstanding = 0;
};

controller::WorkerPort::Cancel SimWorkerPort::Infer(const std::string& address,
                                                    const worker_rpc::InferRequest* request,
                                                    worker_rpc::InferResponse* reply,
                                                    absl::Time deadline, Done done) {
  const uint64_t id =
      Send(address, std::move(done),
           [this, request, reply, deadline](uint64_t id, EmulatedWorker* worker) {
             const absl::Time now = loop_->now();
             // A budget of 0 is none: the call's deadline bounds the wait.
             auto bound = [&](double budget_ms) {
               return budget_ms > 0 ? std::min(deadline, now + absl::Microseconds(budget_ms * 1000))
                                    : deadline;
             };
             auto call = std::make_shared<InferCall>(InferCall{.id = id, .reply = reply});
             if (request->parts_size() == 0) {
               worker->Infer({.variant = request->variant(),
                              .examples = request->inputs_size(),
                              .deadline = bound(request->slo_budget_ms()),
                              .done = [this, call](const absl::Status& s, const SimAnswer& answer) {
                                if (!open_.contains(call->id)) return;  // closed: the reply is gone
                                if (s.ok()) {
                                  call->reply->set_queue_time_ms(
                                      absl::ToDoubleMilliseconds(answer.queue_time));
                                  call->reply->set_compute_time_ms(
                                      absl::ToDoubleMilliseconds(answer.compute_time));
                                  call->reply->set_batch_size(answer.batch_size);
                                }
                                Answer(call->id, {.status = s, .answered_by_worker = true});
                              }});
               return;
             }
             call->outstanding = request->parts_size();
             for (int i = 0; i < request->parts_size(); ++i) reply->add_parts();
             for (int i = 0; i < request->parts_size(); ++i) {
               const worker_rpc::QueryPart& part = request->parts(i);
               worker->Infer(
                   {.variant = request->variant(),
                    .examples = static_cast<int>(part.inputs()),
                    .deadline = bound(part.slo_budget_ms()),
                    .done = [this, call, i](const absl::Status& s, const SimAnswer& answer) {
                      if (!open_.contains(call->id)) return;  // closed: the reply is gone
                      worker_rpc::PartAnswer& out = *call->reply->mutable_parts(i);
                      out.set_code(static_cast<int>(s.code()));
                      out.set_message(std::string(s.message()));
                      if (s.ok()) {
                        out.set_queue_time_ms(absl::ToDoubleMilliseconds(answer.queue_time));
                        out.set_compute_time_ms(absl::ToDoubleMilliseconds(answer.compute_time));
                        out.set_batch_size(answer.batch_size);
                      }
                      if (--call->outstanding == 0) {
                        Answer(call->id, {.status = absl::OkStatus(), .answered_by_worker = true});
                      }
                    }});
             }
           });
  // The emulated worker still runs what it has; its answer finds the call
  // ended and is dropped.
  return [this, id] {
    End(id,
        {.status = absl::CancelledError("cancelled by the caller"), .answered_by_worker = false});
  };
}

void SimWorkerPort::LoadVariant(const std::string& address,
                                const worker_rpc::LoadVariantRequest* request, absl::Time,
                                Done done) {
  Send(address, std::move(done), [this, request](uint64_t id, EmulatedWorker* worker) {
    worker->Load(request->record(), std::max(1, request->instances()),
                 [this, id](const absl::Status& s) {
                   Answer(id, {.status = s, .answered_by_worker = true});
                 });
  });
}

void SimWorkerPort::UnloadVariant(const std::string& address,
                                  const worker_rpc::UnloadVariantRequest* request, absl::Time,
                                  Done done) {
  Send(address, std::move(done), [this, request](uint64_t id, EmulatedWorker* worker) {
    Answer(id, {.status = worker->Unload(request->variant(), request->keep_instances()),
                .answered_by_worker = true});
  });
}

}  // namespace infaas::sim
