#include "profiler/config_inference.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "backend/onnx_compat.h"
#include "backend/tensor.h"
#include "common/files.h"
#include "common/folder_handle.h"
#include "common/model_name.h"
#include "common/status_macros.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;

// dims without the batch dimension when all are fixed; empty otherwise.
std::vector<int64_t> FixedExampleDims(const std::vector<int64_t>& declared) {
  if (declared.size() < 2) return {};
  std::vector<int64_t> example(declared.begin() + 1, declared.end());
  if (std::any_of(example.begin(), example.end(), [](int64_t d) { return d <= 0; })) return {};
  return example;
}

void SetDims(v1::TensorSpec& spec, const std::vector<int64_t>& dims) {
  spec.clear_dims();
  for (int64_t d : dims) spec.add_dims(d);
}

// Fills `spec` from one declared ONNX tensor; notes what it took.
void FromOnnx(v1::TensorSpec& spec, const backend::OnnxTensorInfo& declared,
              absl::string_view field, const fs::path& file, std::vector<std::string>& notes) {
  const bool name_missing = spec.name().empty();
  if (name_missing) spec.set_name(declared.name);
  const std::vector<int64_t> dims = FixedExampleDims(declared.dims);
  const bool dims_missing = spec.dims().empty() && !dims.empty();
  if (dims_missing) SetDims(spec, dims);
  if (name_missing || dims_missing) {
    notes.push_back(absl::StrCat(
        field, " \"", spec.name(), "\" ",
        backend::ShapeToString(std::vector<int64_t>(spec.dims().begin(), spec.dims().end())),
        " read from ", file.filename().string()));
  }
}

}  // namespace

fs::path OnnxFileFor(const v1::ModelConfig& config, const fs::path& folder) {
  // Only a file inside the folder: the config is not validated yet.
  if (!ValidateRelativeModelPath(config.model_file()).ok()) return {};
  fs::path file(config.model_file());
  if (config.framework() != v1::FRAMEWORK_ONNX) file.replace_extension(".onnx");
  std::error_code ec;
  // A link could name any file the master may read: never followed (the
  // repository refuses to store one too).
  if (file.empty() || fs::is_symlink(folder / file, ec) ||
      !fs::is_regular_file(folder / file, ec)) {
    return {};
  }
  return folder / file;
}

absl::StatusOr<TensorInference> InferTensorSpecs(v1::ModelConfig& config, const fs::path& folder,
                                                 std::vector<std::string>& notes) {
  TensorInference inference;
  v1::TensorSpec& input = *config.mutable_input();
  v1::TensorSpec& output = *config.mutable_output();
  const bool complete = !input.name().empty() && !input.dims().empty() && !output.name().empty() &&
                        !output.dims().empty();
  if (complete) return inference;

  if (const fs::path onnx = OnnxFileFor(config, folder); !onnx.empty()) {
    // Beneath the source folder, no link followed: the file must be one of
    // the model's own.
    ASSIGN_OR_RETURN(const FolderHandle source, FolderHandle::Open(folder));
    ASSIGN_OR_RETURN(const std::string bytes, source.ReadFileAtMost(onnx.lexically_relative(folder),
                                                                    backend::kMaxOnnxFileBytes));
    absl::StatusOr<backend::OnnxSignature> signature = backend::OnnxSignatureOf(bytes);
    if (!signature.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(onnx.string(), ": ", signature.status().message()));
    }
    if (signature->inputs.size() == 1) FromOnnx(input, signature->inputs[0], "input", onnx, notes);
    if (signature->outputs.size() == 1) {
      FromOnnx(output, signature->outputs[0], "output", onnx, notes);
    }
  }
  if (input.dims().empty() && config.has_preprocessing() && config.preprocessing().width() > 0 &&
      config.preprocessing().height() > 0) {
    const v1::Preprocessing& pre = config.preprocessing();
    SetDims(input, {backend::ChannelsOf(pre.color()), pre.height(), pre.width()});
    notes.push_back(absl::StrCat(
        "input dims ",
        backend::ShapeToString(std::vector<int64_t>(input.dims().begin(), input.dims().end())),
        " taken from the preprocessing (colour mode, height, width)"));
  }
  if (input.dims().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model \"", config.name(), "\": input.dims are not in the config and cannot be read from ",
        config.model_file(),
        "; give them (the shape of one example without the batch dimension, e.g. dims: [3, "
        "224, 224]), or preprocessing width and height for an image model"));
  }
  if (output.dims().empty()) {
    SetDims(output, {-1});
    inference.output_dims_to_measure = true;
  }
  if (input.name().empty()) input.set_name("input");
  if (output.name().empty()) output.set_name("output");
  return inference;
}

}  // namespace infaas::profiler
