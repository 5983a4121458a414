#include "backend/internal/onnx_inputs.h"

#include <set>

#include "absl/status/status.h"

namespace infaas::backend::internal {
namespace {

// Field numbers from onnx.proto (stable since ONNX 1.0).
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kGraphInput = 11;
constexpr uint32_t kTensorName = 8;
constexpr uint32_t kValueInfoName = 1;
constexpr uint32_t kValueInfoType = 2;
constexpr uint32_t kTypeTensor = 1;
constexpr uint32_t kTensorTypeShape = 2;
constexpr uint32_t kShapeDim = 1;
constexpr uint32_t kDimValue = 1;

constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireBytes = 2;
constexpr uint32_t kWireFixed32 = 5;

// One field of a protobuf message: a varint's value or a length-delimited
// field's bytes.
struct WireField {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;
  absl::string_view bytes;
};

bool ReadVarint(absl::string_view& data, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !data.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(data.front());
    data.remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Reads the next field from the front of `data`; false when malformed.
bool ReadField(absl::string_view& data, WireField* field) {
  uint64_t key = 0;
  if (!ReadVarint(data, &key)) return false;
  field->number = static_cast<uint32_t>(key >> 3);
  field->wire_type = static_cast<uint32_t>(key & 7);
  switch (field->wire_type) {
    case kWireVarint:
      return ReadVarint(data, &field->varint);
    case kWireFixed64:
    case kWireFixed32: {
      const size_t size = field->wire_type == kWireFixed64 ? 8 : 4;
      if (data.size() < size) return false;
      data.remove_prefix(size);
      return true;
    }
    case kWireBytes: {
      uint64_t length = 0;
      if (!ReadVarint(data, &length) || length > data.size()) return false;
      field->bytes = data.substr(0, length);
      data.remove_prefix(length);
      return true;
    }
    default:
      return false;  // groups: not used by onnx.proto
  }
}

// Calls `visit` for each field of `message`; false when malformed.
template <typename Visit>
bool ForEachField(absl::string_view message, Visit visit) {
  WireField field;
  while (!message.empty()) {
    if (!ReadField(message, &field)) return false;
    visit(field);
  }
  return true;
}

// Collects fields `number` (length-delimited) of `message`.
bool BytesFields(absl::string_view message, uint32_t number, std::vector<absl::string_view>* out) {
  return ForEachField(message, [&](const WireField& f) {
    if (f.number == number && f.wire_type == kWireBytes) out->push_back(f.bytes);
  });
}

// The last length-delimited field `number`, or empty.
absl::string_view BytesField(absl::string_view message, uint32_t number) {
  std::vector<absl::string_view> all;
  if (!BytesFields(message, number, &all) || all.empty()) return {};
  return all.back();
}

std::vector<int64_t> DimsOf(absl::string_view value_info) {
  const absl::string_view type = BytesField(value_info, kValueInfoType);
  const absl::string_view tensor = BytesField(type, kTypeTensor);
  const absl::string_view shape = BytesField(tensor, kTensorTypeShape);
  std::vector<absl::string_view> dims;
  BytesFields(shape, kShapeDim, &dims);
  std::vector<int64_t> result;
  for (absl::string_view dim : dims) {
    int64_t value = -1;
    ForEachField(dim, [&](const WireField& f) {
      if (f.number == kDimValue && f.wire_type == kWireVarint && f.varint > 0) {
        value = static_cast<int64_t>(f.varint);
      }
    });
    result.push_back(value);
  }
  return result;
}

}  // namespace

absl::StatusOr<std::vector<OnnxInput>> OnnxGraphInputs(absl::string_view model_bytes) {
  std::vector<absl::string_view> graphs;
  if (!BytesFields(model_bytes, kModelGraph, &graphs) || graphs.empty()) {
    return absl::InvalidArgumentError("not an ONNX model: no graph in the protobuf message");
  }
  const absl::string_view graph = graphs.back();
  std::vector<absl::string_view> initializers;
  std::vector<absl::string_view> inputs;
  if (!BytesFields(graph, kGraphInitializer, &initializers) ||
      !BytesFields(graph, kGraphInput, &inputs)) {
    return absl::InvalidArgumentError("not an ONNX model: the graph is malformed");
  }
  std::set<absl::string_view> weights;
  for (absl::string_view tensor : initializers) weights.insert(BytesField(tensor, kTensorName));
  std::vector<OnnxInput> result;
  for (absl::string_view input : inputs) {
    const absl::string_view name = BytesField(input, kValueInfoName);
    if (weights.count(name) > 0) continue;
    result.push_back({std::string(name), DimsOf(input)});
  }
  return result;
}

}  // namespace infaas::backend::internal
