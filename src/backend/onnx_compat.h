#pragma once

// ONNX files as exporters write them, made loadable by the ONNX backend.
//
// OpenCV 4.6 DNN (the ONNX backend) refuses some forms that current
// exporters write by default, although every operator in them is one it
// runs. RewriteOnnxForOpenCv turns such a file into an equivalent one, with
// three documented rewrites (docs/models.md):
//
//  1. `Constant` nodes become initializers (named as the node's output);
//  2. `Identity` nodes are folded away: their consumers read the Identity's
//     input directly (PyTorch >= 1.12 feeds initializers of equal value
//     through Identity nodes, which OpenCV 4.6 cannot import). An Identity
//     whose output is a graph output stays;
//  3. `Clip` with constant `min`/`max` inputs (opset >= 11, e.g. ReLU6)
//     becomes `Clip` with `min`/`max` attributes (its opset-6 form, the
//     only one OpenCV 4.6 imports).
// Initializers no node reads any more are dropped. Names that nodes inside
// subgraphs (If/Loop/Scan bodies) read are kept. Nothing else changes: the
// graph computes the same function.
//
//   ASSIGN_OR_RETURN(OnnxRewrite r, RewriteOnnxForOpenCv(bytes));
//   if (r.changed()) WriteFile("model.opencv.onnx", r.model_bytes);
//
// Also: what an ONNX file declares of its single input and output
// (OnnxSignatureOf), for configs that leave shapes out.
//
// Free functions without state; thread-safe. Input is untrusted: parsing is
// bounded by protobuf's own limits (recursion, 2 GiB), and every index and
// name is checked before use.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::backend {

// The largest ONNX file read for rewriting or its signature: protobuf
// parses at most 2 GiB; the size is checked before the file is read.
inline constexpr uint64_t kMaxOnnxFileBytes = (uint64_t{1} << 31) - 1;

struct OnnxRewrite {
  // The default-domain (ai.onnx) opset the file imports; 0 if none.
  int64_t opset = 0;
  // What was rewritten, e.g. "folded 1 Identity node"; empty: nothing.
  std::vector<std::string> changes;
  // The rewritten model; empty when nothing changed.
  std::string model_bytes;

  bool changed() const { return !changes.empty(); }
};

// InvalidArgument when the bytes are not an ONNX ModelProto with a graph,
// when a node comes from a domain other than ai.onnx (naming the operator,
// the node and the domain), or when a Clip bound is computed at run time
// rather than constant (naming the node and the opset).
absl::StatusOr<OnnxRewrite> RewriteOnnxForOpenCv(absl::string_view model_bytes);

struct OnnxTensorInfo {
  std::string name;
  // Declared dimensions, batch first; -1 for a symbolic or unknown one.
  // Empty when the file declares no shape.
  std::vector<int64_t> dims;
};

struct OnnxSignature {
  int64_t opset = 0;
  // Graph inputs that are not initializers, and graph outputs, in order.
  std::vector<OnnxTensorInfo> inputs;
  std::vector<OnnxTensorInfo> outputs;
};

// InvalidArgument when the bytes are not an ONNX ModelProto with a graph.
absl::StatusOr<OnnxSignature> OnnxSignatureOf(absl::string_view model_bytes);

// From an OpenCV import error, "ONNX operator Foo (node \"n\", opset 13) is
// not supported by the ONNX backend (OpenCV 4.6 DNN) in this form" when the message names
// a node (OpenCV writes "Node [Foo@ai.onnx]:(n)"); empty otherwise.
std::string DescribeUnsupportedOnnxNode(absl::string_view opencv_error, int64_t opset);

}  // namespace infaas::backend
