#pragma once

// Translation between the Open Inference Protocol's inference messages and
// INFaaS's online query, shared by the gRPC service and the HTTP endpoint
// (which turns its JSON into the same messages first).
//
// Inputs. A model takes one input tensor, named as in its config (e.g.
// "input"), as either
//   FP32  [N, d1, d2, ...]  N examples of the model's input shape; or
//   BYTES [N] (or [N, 1])   N encoded images (PNG/JPEG), decoded and
//                           preprocessed by the worker.
// Contents in the datatype's field of `contents` or in raw_input_contents.
// Outputs: one FP32 tensor [N, output dims...] named as in the config.
//
// Request parameters (all optional):
//   latency_ms    number > 0    latency target; for an architecture or family
//                               without one, the query's time budget
//   min_accuracy  number 0..100 minimum top-1 accuracy in percent (families)
//   timeout       integer > 0   time budget in microseconds (default 10 s)
//   priority      integer >= 0  accepted and checked; INFaaS queues are FIFO
// Other parameters are ignored. Response parameters: variant, worker,
// predicted_latency_ms, measured_latency_ms, queue_time_ms, compute_time_ms,
// batch_size, loaded.
//
// Pure functions; thread-safe. Errors are INVALID_ARGUMENT naming the
// tensor or parameter, what was wrong and what the model accepts.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infaas/v1/api.pb.h"
#include "inference/grpc_service.pb.h"
#include "kserve/model_resolver.h"

namespace infaas::kserve {

// The most elements an input tensor's shape may hold (a request carries at
// most 64 MiB); a larger shape is INVALID_ARGUMENT.
inline constexpr int64_t kMaxInputElements = int64_t{1} << 26;

// How long a query may take when the request sets no timeout.
inline constexpr absl::Duration kDefaultQueryBudget = absl::Seconds(10);

// The recognised request parameters.
struct InferOptions {
  double latency_ms = 0;  // 0: none given
  double min_accuracy_percent = 0;
  int64_t priority = 0;
  absl::Duration budget = kDefaultQueryBudget;
};

using ParameterMap = google::protobuf::Map<std::string, inference::InferParameter>;

absl::StatusOr<InferOptions> ParseInferOptions(const ParameterMap& parameters);

// The online query for `request` on `model`: its form, requirements,
// inputs and expected input dims.
absl::StatusOr<v1::QueryOnlineRequest> ToQuery(const inference::ModelInferRequest& request,
                                               const ResolvedModel& model,
                                               const InferOptions& options);

// The protocol response for the query's `answer`. `served` is the variant
// that answered; outputs go to raw_output_contents when `raw_output`, else
// to contents.fp32_contents.
inference::ModelInferResponse ToInferResponse(const inference::ModelInferRequest& request,
                                              const v1::QueryOnlineResponse& answer,
                                              const v1::VariantRecord& served, bool raw_output);

// The tensor metadata of `model` for the metadata endpoints: its first
// variant's input and output with a variable batch dimension.
inference::ModelMetadataResponse MetadataOf(const ResolvedModel& model);

// Parameter helpers (also used by the HTTP layer).
inference::InferParameter DoubleParameter(double value);
inference::InferParameter Int64Parameter(int64_t value);
inference::InferParameter StringParameter(std::string value);
inference::InferParameter BoolParameter(bool value);

}  // namespace infaas::kserve
