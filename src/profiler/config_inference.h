#pragma once

// What a config may leave out at registration, read from the model files.
//
// A user's config may omit the input's and output's names and shapes:
//  - from an ONNX file (the config's, or the .onnx of the same stem beside
//    a TorchScript file): the graph's declared input and output, without
//    the batch dimension, where every dimension is fixed;
//  - else the input of an image model from its preprocessing: [channels of
//    the colour mode, height, width];
//  - else the output as [-1] (one variable dimension, as a classifier's
//    [N, classes] has), for the profiler to measure: the registrar replaces
//    it with the shape the model produced (OutputDimsMeasured).
// Names default to "input" and "output". Every inference is described in
// `notes`, in words a user reads ("input \"input\" [3,224,224] read from
// mobilenet_tiny.onnx").
//
//   std::vector<std::string> notes;
//   ASSIGN_OR_RETURN(TensorInference inferred, InferTensorSpecs(config, folder, notes));
//
// Free functions; thread-safe. Reads only the model file it names, inside
// `folder`, and only when something is missing.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "infaas/v1/model_config.pb.h"

namespace infaas::profiler {

struct TensorInference {
  // output.dims were set to [-1] for the profiler to measure.
  bool output_dims_to_measure = false;
};

// Fills config.input/output names and dims that are empty. InvalidArgument
// when the input shape is missing and can be read neither from an ONNX file
// nor from the preprocessing (naming what to add), or when an ONNX file the
// config relies on is not a model.
absl::StatusOr<TensorInference> InferTensorSpecs(v1::ModelConfig& config,
                                                 const std::filesystem::path& folder,
                                                 std::vector<std::string>& notes);

// The ONNX file that describes `config`'s model: its own model_file for an
// ONNX config, else a .onnx of the same stem beside it; empty if none.
std::filesystem::path OnnxFileFor(const v1::ModelConfig& config,
                                  const std::filesystem::path& folder);

}  // namespace infaas::profiler
