#pragma once

// Limits on the repeated fields of a serialized protobuf message, checked on
// its bytes before it is parsed. A parsed message can take far more memory
// than its bytes: an empty sub-message is 2 bytes on the wire and dozens
// once parsed, a packed int64 of 1 byte is 8. A message at the transport's
// size limit made of nothing else would take gigabytes; counting first
// costs one pass over the bytes and no allocation.
//
//   const std::vector<WireFieldLimit> kQueryLimits = {
//       {.number = 1, .name = "inputs", .kind = WireKind::kMessage, .max_count = 1024}};
//   RETURN_IF_ERROR(CheckWireLimits(bytes, kQueryLimits));
//   request.ParseFromString(bytes);
//
// Fields not listed are skipped. Counts are per message: a nested limit
// applies to each occurrence of its parent on its own. Bytes that are not a
// well-formed message are left to the parser to refuse. Pure; thread-safe.

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/query_limits.h"

namespace infaas {

enum class WireKind {
  kMessage,  // a sub-message (a map entry too): one per occurrence
  kBytes,    // a string or bytes: one per occurrence
  kPacked,   // a repeated varint scalar: one per value, packed or not
};

struct WireFieldLimit {
  int number = 0;
  std::string name;  // for the error, e.g. "inputs"
  WireKind kind = WireKind::kMessage;
  int64_t max_count = 0;
  std::vector<WireFieldLimit> nested = {};  // inside each kMessage occurrence
};

// OK, or InvalidArgument naming the field, the limit and the count seen.
absl::Status CheckWireLimits(absl::string_view message, absl::Span<const WireFieldLimit> limits);

// For a raw gRPC method (the request arrives as bytes): counts `buffer`'s
// fields against `limits`, then parses it into `message`. InvalidArgument
// when a limit is passed or the bytes are not a `message`.
absl::Status ParseWithinLimits(const grpc::ByteBuffer& buffer,
                               absl::Span<const WireFieldLimit> limits,
                               google::protobuf::Message* message);

// `message` serialized into a byte buffer (the reply of a raw method).
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

}  // namespace infaas
