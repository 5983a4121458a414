#pragma once

// Requests parsed only after their repeated fields are counted on the wire
// (common/wire_limits.h), for the methods that take large messages from
// clients (QueryOnline, ModelInfer); they are registered as raw methods, so
// gRPC hands over bytes instead of parsing them first. The limits of each.
//
//   absl::Status s = ParseWithinLimits(*buffer, QueryOnlineLimits(), &request);
//   ...
//   *response_buffer = ToByteBuffer(response);
//
// Thread-safe (pure functions and constants).

#include <vector>

#include "common/wire_limits.h"

namespace infaas::api {

// infaas.v1.QueryOnlineRequest: inputs at most kMaxInputsPerQuery,
// input_dims at most 16.
const std::vector<WireFieldLimit>& QueryOnlineLimits();

// inference.ModelInferRequest: at most 64 inputs, outputs, raw contents and
// parameters, 16 dimensions per shape, kMaxInputsPerQuery BYTES
// elements, and 2^20 integer elements per input (no integer type is
// accepted; they are refused once parsed, with the datatypes that are).
const std::vector<WireFieldLimit>& ModelInferLimits();

}  // namespace infaas::api
