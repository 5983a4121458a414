#pragma once

// Requests parsed only after their repeated fields are counted on the wire
// (common/wire_limits.h), for the methods that take large messages from
// clients (QueryOnline, ModelInfer); they are registered as raw methods, so
// gRPC hands over bytes instead of parsing them first. The limits of each.
//
//   absl::Status s = ParseWithinLimits(*buffer, kQueryOnlineLimits, &request);
//   ...
//   *response_buffer = ToByteBuffer(response);
//
// Thread-safe (pure functions and constants).

#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "common/wire_limits.h"

namespace infaas::api {

// infaas.v1.QueryOnlineRequest: inputs at most controller::kMaxInputsPerQuery,
// input_dims at most 16.
const std::vector<WireFieldLimit>& QueryOnlineLimits();

// inference.ModelInferRequest: at most 64 inputs, outputs, raw contents and
// parameters, 16 dimensions per shape, controller::kMaxInputsPerQuery BYTES
// elements, and 2^20 integer elements per input (no integer type is
// accepted; they are refused once parsed, with the datatypes that are).
const std::vector<WireFieldLimit>& ModelInferLimits();

// Counts `buffer`'s fields against `limits`, then parses it into `message`.
// InvalidArgument when a limit is passed or the bytes are not a `message`.
absl::Status ParseWithinLimits(const grpc::ByteBuffer& buffer,
                               absl::Span<const WireFieldLimit> limits,
                               google::protobuf::Message* message);

// `message` serialized into a byte buffer (the reply of a raw method).
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

}  // namespace infaas::api
