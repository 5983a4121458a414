#include "worker/worker_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/cluster_secret.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/wire_limits.h"

namespace infaas::worker {
namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  // gRPC reports "no deadline" as the largest time point.
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

// The call's deadline, tightened to the query's latency target when the
// master sent one (a budget that is not a positive finite number is none).
absl::Time QueryDeadline(const grpc::CallbackServerContext& context, double budget_ms) {
  const absl::Time deadline = DeadlineOf(context);
  if (!(budget_ms > 0) || !std::isfinite(budget_ms)) return deadline;
  return std::min(deadline, absl::Now() + absl::Microseconds(budget_ms * 1000));
}

// Row i of the outputs answers input i.
void FillOutputs(const InferResult& result,
                 google::protobuf::RepeatedPtrField<v1::OutputTensor>* outputs) {
  const int64_t rows = result.outputs.shape.empty() ? 0 : result.outputs.shape[0];
  const size_t row_size = rows == 0 ? 0 : result.outputs.data.size() / static_cast<size_t>(rows);
  outputs->Reserve(static_cast<int>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const auto first = result.outputs.data.begin() + static_cast<std::ptrdiff_t>(r * row_size);
    outputs->Add()->mutable_values()->Add(first, first + static_cast<std::ptrdiff_t>(row_size));
  }
}

void FillResponse(const InferResult& result, infaas::worker_rpc::InferResponse* response) {
  FillOutputs(result, response->mutable_outputs());
  response->set_queue_time_ms(absl::ToDoubleMilliseconds(result.queue_time));
  response->set_compute_time_ms(absl::ToDoubleMilliseconds(result.compute_time));
  response->set_batch_size(result.batch_size);
}

void FillPart(const absl::StatusOr<InferResult>& result, infaas::worker_rpc::PartAnswer* part) {
  if (!result.ok()) {
    part->set_code(static_cast<int>(result.status().code()));
    part->set_message(std::string(result.status().message()));
    return;
  }
  FillOutputs(*result, part->mutable_outputs());
  part->set_queue_time_ms(absl::ToDoubleMilliseconds(result->queue_time));
  part->set_compute_time_ms(absl::ToDoubleMilliseconds(result->compute_time));
  part->set_batch_size(result->batch_size);
}

// The parts' input counts must cover the inputs exactly.
absl::Status CheckParts(const infaas::worker_rpc::InferRequest& request) {
  int64_t covered = 0;
  for (const infaas::worker_rpc::QueryPart& part : request.parts()) {
    if (part.inputs() < 1) {
      return absl::InvalidArgumentError(absl::StrCat("a query part of variant ", request.variant(),
                                                     " has ", part.inputs(),
                                                     " inputs; each part needs at least one"));
    }
    covered += part.inputs();
  }
  if (covered != request.inputs_size()) {
    return absl::InvalidArgumentError(absl::StrCat("the query parts of variant ", request.variant(),
                                                   " count ", covered, " inputs; the call has ",
                                                   request.inputs_size()));
  }
  return absl::OkStatus();
}

grpc::Status ShuttingDown(const LoadedVariants& variants) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      absl::StrCat("worker ", variants.worker_id(), " is shutting down"));
}

}  // namespace

WorkerServiceImpl::WorkerServiceImpl(LoadedVariants* variants, std::string cluster_secret,
                                     int admin_threads)
    : variants_(variants),
      cluster_secret_(std::move(cluster_secret)),
      admin_("worker-admin", admin_threads) {}

grpc::ServerUnaryReactor* WorkerServiceImpl::RefuseStranger(grpc::CallbackServerContext* context) {
  absl::Status member = CheckClusterSecret(*context, cluster_secret_);
  if (member.ok()) return nullptr;
  if (std::optional<int64_t> held = refusal_log_.Admit(absl::Now())) {
    LogWarning("call refused: no cluster secret", {{"worker", variants_->worker_id()},
                                                   {"peer", context->peer()},
                                                   {"refusals_not_logged", absl::StrCat(*held)}});
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(member));
  return reactor;
}

WorkerServiceImpl::~WorkerServiceImpl() { admin_.Shutdown(); }

absl::Status WorkerServiceImpl::CheckLeaderToken(int64_t leader_token) {
  if (leader_token <= 0) return absl::OkStatus();
  int64_t highest = highest_leader_token_.load();
  while (leader_token > highest &&
         !highest_leader_token_.compare_exchange_weak(highest, leader_token)) {
  }
  if (leader_token >= highest) return absl::OkStatus();
  LogWarning("stale leader refused", {{"worker", variants_->worker_id()},
                                      {"token", absl::StrCat(leader_token)},
                                      {"highest_seen", absl::StrCat(highest)}});
  return absl::FailedPreconditionError(absl::StrCat(
      "worker ", variants_->worker_id(), " refuses leader token ", leader_token,
      ": a newer leader (token ", highest, ") manages it; this master no longer leads"));
}

grpc::ServerUnaryReactor* WorkerServiceImpl::LoadVariant(
    grpc::CallbackServerContext* context, const infaas::worker_rpc::LoadVariantRequest* request,
    infaas::worker_rpc::LoadVariantResponse* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseStranger(context)) return refused;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status stale = CheckLeaderToken(request->leader_token()); !stale.ok()) {
    reactor->Finish(ToGrpcStatus(stale));
    return reactor;
  }
  const bool scheduled = admin_.Schedule([this, reactor, request, response] {
    absl::StatusOr<absl::Duration> took = variants_->Load(request->record(), request->instances());
    if (took.ok()) response->set_load_latency_ms(absl::ToDoubleMilliseconds(*took));
    reactor->Finish(ToGrpcStatus(took.status()));
  });
  if (!scheduled) reactor->Finish(ShuttingDown(*variants_));
  return reactor;
}

grpc::ServerUnaryReactor* WorkerServiceImpl::UnloadVariant(
    grpc::CallbackServerContext* context, const infaas::worker_rpc::UnloadVariantRequest* request,
    infaas::worker_rpc::UnloadVariantResponse* /*response*/) {
  if (grpc::ServerUnaryReactor* refused = RefuseStranger(context)) return refused;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status stale = CheckLeaderToken(request->leader_token()); !stale.ok()) {
    reactor->Finish(ToGrpcStatus(stale));
    return reactor;
  }
  const bool scheduled = admin_.Schedule([this, reactor, request] {
    reactor->Finish(ToGrpcStatus(variants_->Unload(request->variant(), request->keep_instances())));
  });
  if (!scheduled) reactor->Finish(ShuttingDown(*variants_));
  return reactor;
}

grpc::ServerUnaryReactor* WorkerServiceImpl::Infer(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseStranger(context)) return refused;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Marks every answer as the worker's own, so that the master can tell an
  // error this live worker returned from one of a dead connection.
  context->AddTrailingMetadata(std::string(kAnsweredByWorkerKey), variants_->worker_id());
  // InferRequest.inputs (field 2) and parts (field 5): no more than any
  // query may carry.
  static const auto* const kLimits = new std::vector<WireFieldLimit>{
      {.number = 2, .name = "inputs", .kind = WireKind::kMessage, .max_count = kMaxInputsPerQuery},
      {.number = 5, .name = "parts", .kind = WireKind::kMessage, .max_count = kMaxInputsPerQuery}};
  // Shared with the answer: it lives until Finish, which the executor calls.
  auto query = std::make_shared<infaas::worker_rpc::InferRequest>();
  if (absl::Status parsed = ParseWithinLimits(*request, *kLimits, query.get()); !parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  const Priority priority = query->offline() ? Priority::kOffline : Priority::kOnline;
  if (query->parts_size() > 0) {
    InferParts(*context, std::move(query), priority, reactor, response);
    return reactor;
  }
  variants_->Infer(
      query->variant(), query->inputs(), QueryDeadline(*context, query->slo_budget_ms()),
      [reactor, response, query](absl::StatusOr<InferResult> result) {
        if (!result.ok()) {
          reactor->Finish(ToGrpcStatus(result.status()));
          return;
        }
        infaas::worker_rpc::InferResponse answer;
        FillResponse(*result, &answer);
        *response = ToByteBuffer(answer);
        reactor->Finish(grpc::Status::OK);
      },
      priority);
  return reactor;
}

void WorkerServiceImpl::InferParts(const grpc::CallbackServerContext& context,
                                   std::shared_ptr<infaas::worker_rpc::InferRequest> query,
                                   Priority priority, grpc::ServerUnaryReactor* reactor,
                                   grpc::ByteBuffer* response) {
  if (absl::Status valid = CheckParts(*query); !valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return;
  }
  // Each part's inputs move into its own list; the answers fill their
  // own slots, and the last one to finish sends them all.
  struct Gathered {
    std::vector<google::protobuf::RepeatedPtrField<v1::InputTensor>> inputs;
    infaas::worker_rpc::InferResponse answer;
    std::atomic<int> remaining{0};
  };
  auto gathered = std::make_shared<Gathered>();
  const int parts = query->parts_size();
  gathered->inputs.resize(static_cast<size_t>(parts));
  gathered->answer.mutable_parts()->Reserve(parts);
  for (int i = 0; i < parts; ++i) gathered->answer.add_parts();
  gathered->remaining.store(parts);
  int next = 0;
  for (int i = 0; i < parts; ++i) {
    auto& inputs = gathered->inputs[static_cast<size_t>(i)];
    for (int k = 0; k < query->parts(i).inputs(); ++k) {
      *inputs.Add() = std::move(*query->mutable_inputs(next++));
    }
  }
  for (int i = 0; i < parts; ++i) {
    variants_->Infer(
        query->variant(), gathered->inputs[static_cast<size_t>(i)],
        QueryDeadline(context, query->parts(i).slo_budget_ms()),
        [gathered, i, reactor, response](absl::StatusOr<InferResult> result) {
          FillPart(result, gathered->answer.mutable_parts(i));
          if (gathered->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
          *response = ToByteBuffer(gathered->answer);
          reactor->Finish(grpc::Status::OK);
        },
        priority);
  }
}

}  // namespace infaas::worker
