#include "common/wire_limits.h"

#include <limits>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"

namespace infaas {
namespace {

// Reads a varint at *at; nullopt when the bytes end inside it or it is
// longer than 10 bytes.
std::optional<uint64_t> ReadVarint(absl::string_view bytes, size_t* at) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && *at < bytes.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(bytes[(*at)++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

// Values in a packed varint payload: one per byte without the high bit.
int64_t PackedVarints(absl::string_view payload) {
  int64_t n = 0;
  for (char c : payload) n += (static_cast<uint8_t>(c) & 0x80) == 0 ? 1 : 0;
  return n;
}

absl::Status Check(absl::string_view message, absl::Span<const WireFieldLimit> limits,
                   absl::string_view path, int depth) {
  if (limits.empty() || depth > 8) return absl::OkStatus();
  std::map<int, int64_t> counts;
  size_t at = 0;
  while (at < message.size()) {
    const std::optional<uint64_t> tag = ReadVarint(message, &at);
    if (!tag.has_value()) return absl::OkStatus();  // malformed: the parser says so
    const int number = static_cast<int>(*tag >> 3);
    const int wire_type = static_cast<int>(*tag & 7);
    absl::string_view payload;
    switch (wire_type) {
      case 0:
        if (!ReadVarint(message, &at).has_value()) return absl::OkStatus();
        break;
      case 1:
        at += 8;
        break;
      case 5:
        at += 4;
        break;
      case 2: {
        const std::optional<uint64_t> length = ReadVarint(message, &at);
        if (!length.has_value() || *length > message.size() - at) return absl::OkStatus();
        payload = message.substr(at, static_cast<size_t>(*length));
        at += static_cast<size_t>(*length);
        break;
      }
      default:
        return absl::OkStatus();  // groups, or not a message: the parser decides
    }
    if (at > message.size()) return absl::OkStatus();
    for (const WireFieldLimit& limit : limits) {
      if (limit.number != number) continue;
      int64_t& count = counts[number];
      count += limit.kind == WireKind::kPacked && wire_type == 2 ? PackedVarints(payload) : 1;
      if (count > limit.max_count) {
        return absl::InvalidArgumentError(absl::StrCat("the request's ", path, limit.name,
                                                       " holds more than ", limit.max_count,
                                                       " entries; that is the most accepted"));
      }
      if (limit.kind == WireKind::kMessage && wire_type == 2 && !limit.nested.empty()) {
        const absl::Status nested =
            Check(payload, limit.nested, absl::StrCat(path, limit.name, "."), depth + 1);
        if (!nested.ok()) return nested;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckWireLimits(absl::string_view message, absl::Span<const WireFieldLimit> limits) {
  return Check(message, limits, "", 0);
}

absl::Status ParseWithinLimits(const grpc::ByteBuffer& buffer,
                               absl::Span<const WireFieldLimit> limits,
                               google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return absl::InvalidArgumentError("the request's bytes could not be read");
  }
  // A small request arrives in one slice: read in place. Larger ones are
  // joined once (the count and the parser both want contiguous bytes).
  std::string joined;
  absl::string_view bytes;
  if (slices.size() == 1) {
    bytes = absl::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size());
  } else {
    joined.reserve(buffer.Length());
    for (const grpc::Slice& slice : slices) {
      joined.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    bytes = joined;
  }
  if (absl::Status within = CheckWireLimits(bytes, limits); !within.ok()) return within;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not a valid ", message->GetTypeName(), " message"));
  }
  return absl::OkStatus();
}

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace infaas
