#pragma once

// Reading and checking a model's config.pbtxt (infaas.v1.ModelConfig in
// protobuf text format), the file that sits beside every model file.
//
//   ASSIGN_OR_RETURN(infaas::v1::ModelConfig config,
//                    LoadModelConfig("models/zoo/lenet5/config.pbtxt"));
//
// Every error names the file and the field and says what was expected, e.g.
//   models/zoo/x/config.pbtxt: input.dims is empty; give the shape of one
//   example without the batch dimension, e.g. dims: [1, 28, 28]
//
// Free functions without state; thread-safe.

#include <filesystem>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "infaas/v1/model_config.pb.h"

namespace infaas::backend {

// Reads, parses and validates the config at `path`; the model files it
// names are looked up in path's folder. NotFound when `path` does not exist;
// InvalidArgument for a syntax error (with line and column) or a field that
// fails ValidateModelConfig.
absl::StatusOr<v1::ModelConfig> LoadModelConfig(const std::filesystem::path& path);

// Parses protobuf text. `source` names the text in errors (usually its
// path). InvalidArgument with "source:line:column: message" on a syntax
// error or an unknown field. Does not validate.
absl::StatusOr<v1::ModelConfig> ParseModelConfig(absl::string_view text, absl::string_view source);

// Checks `config` field by field: the name's characters, a framework, the
// input and output shapes, preprocessing against the input shape, limits,
// and that model_file (and for Caffe model_description_file, and
// label_file when set) are relative paths to regular files inside
// `model_dir`. InvalidArgument naming `source` and the first bad field.
absl::Status ValidateModelConfig(const v1::ModelConfig& config,
                                 const std::filesystem::path& model_dir, absl::string_view source);

// max_batch_size with 0 read as 1.
int EffectiveMaxBatchSize(const v1::ModelConfig& config);

// cpu_threads with 0 read as 1.
int EffectiveCpuThreads(const v1::ModelConfig& config);

// Channels a colour mode produces: 1 for COLOR_GRAY, 3 otherwise
// (COLOR_UNSPECIFIED means COLOR_RGB).
int ChannelsOf(v1::Preprocessing::Color color);

// "FRAMEWORK_ONNX" etc.
absl::string_view FrameworkName(v1::Framework framework);

}  // namespace infaas::backend
