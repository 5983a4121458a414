#include "controller/query_router.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/model_name.h"
#include "common/retry_after.h"
#include "common/status_macros.h"
#include "controller/internal/selector_candidates.h"

namespace infaas::controller {

// One query in flight; shared by the callbacks that move it along.
struct QueryRouter::Pending {
  auth::Principal caller;
  // Moved from the request: to the worker's call and back (for a retry).
  google::protobuf::RepeatedPtrField<v1::InputTensor> inputs;
  QueryRequirements requirements;
  absl::Time start;
  absl::Time deadline;
  Done done;
  int attempts = 0;
  bool loaded = false;  // a cold load happened for this query
  Selection selection;
  const v1::VariantRecord* record = nullptr;
  std::shared_ptr<const Catalogue> catalogue;  // keeps `record` alive
};

// The names a query asks for, before they are looked up, logged or counted.
absl::Status ValidateRequestedNames(const v1::QueryOnlineRequest& request) {
  for (const auto& [what, name] :
       {std::pair<absl::string_view, const std::string&>{"variant", request.variant()},
        {"architecture", request.architecture()},
        {"task", request.task()},
        {"dataset", request.dataset()}}) {
    RETURN_IF_ERROR(ValidateRequestedName(what, name));
  }
  return absl::OkStatus();
}

QueryRequirements RequirementsOf(const v1::QueryOnlineRequest& request) {
  QueryRequirements r;
  r.variant = request.variant();
  r.architecture = request.architecture();
  r.task = request.task();
  r.dataset = request.dataset();
  r.min_accuracy_percent = request.min_accuracy_percent();
  r.latency_slo_ms = request.latency_slo_ms();
  r.batch_size = request.inputs_size();
  r.input_dims.assign(request.input_dims().begin(), request.input_dims().end());
  return r;
}

QueryRouter::QueryRouter(Dependencies deps, SelectorOptions options,
                         CallCoalescer::Options coalescing)
    : deps_(std::move(deps)), options_(options), calls_(deps_.workers, deps_.clock, coalescing) {}

void QueryRouter::QueryOnline(const auth::Principal& caller, v1::QueryOnlineRequest request,
                              absl::Time deadline, Done done) {
  if (absl::Status valid = ValidateRequestedNames(request); !valid.ok()) {
    done(std::move(valid));
    return;
  }
  // Before the observer: a tenant's excess is neither demand nor a failure
  // of the model it named.
  if (deps_.quotas != nullptr) {
    absl::StatusOr<auth::TenantQuotas::Admission> admitted = deps_.quotas->Admit(caller.tenant);
    if (!admitted.ok()) {
      done(admitted.status());
      return;
    }
    done = [admission = std::make_shared<auth::TenantQuotas::Admission>(*std::move(admitted)),
            done = std::move(done)](absl::StatusOr<v1::QueryOnlineResponse> result) {
      admission->Release();
      done(std::move(result));
    };
  }
  if (deps_.in_flight != nullptr) {
    absl::StatusOr<InFlightLimit::Reservation> reserved =
        deps_.in_flight->Admit(static_cast<int64_t>(request.ByteSizeLong()));
    if (!reserved.ok()) {
      done(reserved.status());
      return;
    }
    done = [reservation = std::make_shared<InFlightLimit::Reservation>(*std::move(reserved)),
            done = std::move(done)](absl::StatusOr<v1::QueryOnlineResponse> result) {
      reservation->Release();
      done(std::move(result));
    };
  }
  QueryRequirements requirements = RequirementsOf(request);
  if (deps_.observer != nullptr) {
    done = [observer = deps_.observer, requirements, start = deps_.clock->Now(),
            clock = deps_.clock,
            done = std::move(done)](absl::StatusOr<v1::QueryOnlineResponse> result) {
      observer->OnQueryDone(requirements, result, clock->Now() - start);
      done(std::move(result));
    };
  }
  if (request.inputs_size() == 0) {
    done(absl::InvalidArgumentError("the query has no inputs: give at least one image (-i)"));
    return;
  }
  if (request.inputs_size() > kMaxInputsPerQuery) {
    done(absl::InvalidArgumentError(absl::StrCat("the query has ", request.inputs_size(),
                                                 " inputs; a query carries at most ",
                                                 kMaxInputsPerQuery, ": split it")));
    return;
  }
  auto query = std::make_shared<Pending>();
  query->caller = caller;
  query->inputs.Swap(request.mutable_inputs());
  query->requirements = std::move(requirements);
  query->start = deps_.clock->Now();
  query->deadline = deadline;
  query->done = std::move(done);
  Place(std::move(query));
}

void QueryRouter::Place(std::shared_ptr<Pending> query) {
  ++query->attempts;
  query->catalogue = deps_.catalogue->VisibleTo(query->caller);
  std::shared_ptr<const ClusterSnapshot> cluster = deps_.cluster->Snapshot(deps_.clock->Now());
  SelectorDecision decision =
      SelectVariant(query->requirements, *query->catalogue, *cluster, options_);
  if (decision.background_load.has_value()) {
    const LoadRecommendation& load = *decision.background_load;
    if (deps_.load_requests != nullptr) {
      deps_.load_requests->RequestLoad(load);
    } else if (const v1::VariantRecord* r = query->catalogue->Find(load.variant)) {
      LogInfo("background load",
              {{"variant", load.variant}, {"worker", load.worker_id}, {"reason", load.reason}});
      deps_.loads->EnsureLoaded(*r, load.worker_id, load.worker_address, nullptr);
    }
  }
  if (!decision.selection.ok()) {
    absl::Status refusal = decision.selection.status();
    if (decision.retry_after_ms > 0) {
      SetRetryAfter(refusal, absl::Microseconds(decision.retry_after_ms * 1000));
    }
    query->done(std::move(refusal));
    return;
  }
  query->selection = *decision.selection;
  if (deps_.observer != nullptr)
    deps_.observer->OnVariantSelected(query->requirements, query->selection);
  query->record = query->catalogue->Find(query->selection.variant);
  if (query->record == nullptr) {
    query->done(absl::InternalError(absl::StrCat("selected variant ", query->selection.variant,
                                                 " is missing from the catalogue")));
    return;
  }
  if (!query->selection.needs_load && !query->selection.wait_for_load) {
    Dispatch(std::move(query));
    return;
  }
  // Load it, or join the load in flight, then send.
  query->loaded = true;
  deps_.loads->EnsureLoaded(
      *query->record, query->selection.worker_id, query->selection.worker_address,
      [this, query](absl::Status s) {
        if (!s.ok()) {
          query->done(absl::Status(
              s.code(), absl::StrCat("loading ", query->selection.variant, " on ",
                                     query->selection.worker_id, " failed: ", s.message())));
          return;
        }
        Dispatch(query);
      });
}

void QueryRouter::Dispatch(std::shared_ptr<Pending> query) {
  const absl::Time now = deps_.clock->Now();
  const Selection& chosen = query->selection;
  CallCoalescer::Query call{.deadline = query->deadline};
  const double slo_ms = query->requirements.latency_slo_ms;
  if (slo_ms > 0) {
    // The worker must answer before the target less the way back (its p90:
    // a median would make every slow return a late answer).
    call.must_finish_by = query->start + absl::Microseconds(1000 * slo_ms) -
                          absl::Microseconds(1000 * chosen.call_overhead_p90_ms);
    if (call.must_finish_by <= now) {
      query->done(absl::DeadlineExceededError(absl::StrCat(
          "variant ", chosen.variant, " on worker ", chosen.worker_id, ": the latency target of ",
          slo_ms, " ms passed before the query could be sent",
          query->loaded ? " (it waited for a load)" : "", "; not run")));
      return;
    }
  }
  call.inputs.Swap(&query->inputs);
  call.done = [this, query](CallCoalescer::Outcome outcome) {
    query->inputs.Swap(&outcome.inputs);
    OnReply(query, std::move(outcome));
  };
  deps_.cluster->NoteDispatched(chosen.worker_id, chosen.variant, query->requirements.batch_size,
                                chosen.marks);
  calls_.Send({.address = chosen.worker_address,
               .variant = chosen.variant,
               .max_batch = internal::MaxBatch(*query->record),
               .instances = chosen.instances},
              std::move(call));
}

void QueryRouter::OnReply(std::shared_ptr<Pending> query, CallCoalescer::Outcome outcome) {
  const Selection& chosen = query->selection;
  const absl::Time now = deps_.clock->Now();
  absl::Status status = std::move(outcome.status);
  const worker_rpc::PartAnswer& reply = outcome.answer;
  // From when its call left: a wait for the call is not the way there.
  const double call_ms = absl::ToDoubleMilliseconds(now - outcome.sent);
  const double overhead_ms =
      status.ok() ? call_ms - reply.queue_time_ms() - reply.compute_time_ms() : -1;
  deps_.cluster->NoteAnswered(chosen.worker_id, chosen.variant, query->requirements.batch_size,
                              overhead_ms, chosen.marks);
  const bool retryable = absl::IsUnavailable(status) || absl::IsNotFound(status);
  if (!status.ok() && retryable && query->attempts < 2 && deps_.clock->Now() < query->deadline) {
    // UNAVAILABLE: the worker is gone, or loads or unloads the variant.
    // NOT_FOUND: it no longer holds the
    // variant (restarted or unloaded). Either way place the query again.
    LogWarning(
        "retrying query",
        {{"variant", chosen.variant}, {"worker", chosen.worker_id}, {"error", status.ToString()}});
    // A live worker that answered UNAVAILABLE itself (a variant loading or
    // unloading there) stays; only a failed connection means it is gone.
    if (absl::IsUnavailable(status) && !outcome.answered_by_worker) {
      deps_.cluster->MarkDead(chosen.worker_id);
    }
    if (absl::IsNotFound(status)) deps_.cluster->NoteUnloading(chosen.worker_id, chosen.variant);
    Place(std::move(query));
    return;
  }
  if (absl::IsResourceExhausted(status) && outcome.answered_by_worker) {
    // The worker predicted this query late where the selector predicted it
    // in time: send the next ones elsewhere until the evidence agrees.
    deps_.cluster->NoteRefused(chosen.worker_id, chosen.variant, now, chosen.marks);
  }
  if (!status.ok()) {
    // The worker's own errors name the variant and itself already.
    const std::string where =
        absl::StrCat("variant ", chosen.variant, " on worker ", chosen.worker_id);
    query->done(absl::StartsWith(status.message(), where)
                    ? status
                    : absl::Status(status.code(), absl::StrCat(where, ": ", status.message())));
    return;
  }
  v1::QueryOnlineResponse response;
  response.mutable_outputs()->Swap(outcome.answer.mutable_outputs());
  response.set_variant(chosen.variant);
  response.set_worker(chosen.worker_id);
  response.set_predicted_latency_ms(chosen.predicted_latency_ms);
  const double measured_ms = absl::ToDoubleMilliseconds(now - query->start);
  response.set_measured_latency_ms(measured_ms);
  response.set_latency_slo_ms(query->requirements.latency_slo_ms);
  response.set_slo_missed(query->requirements.latency_slo_ms > 0 &&
                          measured_ms > query->requirements.latency_slo_ms);
  response.set_queue_time_ms(reply.queue_time_ms());
  response.set_compute_time_ms(reply.compute_time_ms());
  response.set_batch_size(reply.batch_size());
  response.set_loaded(query->loaded);
  *response.mutable_labels() = query->record->labels();
  query->done(std::move(response));
}

}  // namespace infaas::controller
