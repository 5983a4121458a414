#pragma once

// The input shapes an ONNX file declares, read straight from its protobuf
// wire format (no ONNX library in the build).
//
// Why: OpenCV DNN does not check an input against the graph's declared
// shape, and some mismatches run without an error — a [N,3,28,28] batch fed
// to a convolution trained on one channel is silently treated as a grouped
// convolution. The OpenCV backend compares the config's input shape with
// this declaration at load.
//
// Free function without state; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::backend::internal {

struct OnnxInput {
  std::string name;
  // Declared dimensions; -1 for a symbolic or unknown one. Empty when the
  // file declares no shape.
  std::vector<int64_t> dims;
};

// The graph inputs of a serialised onnx.ModelProto that are real inputs
// (not initializers, which older exporters also list as inputs), in order.
// InvalidArgument when the bytes are not a well-formed protobuf message or
// hold no graph.
absl::StatusOr<std::vector<OnnxInput>> OnnxGraphInputs(absl::string_view model_bytes);

}  // namespace infaas::backend::internal
