#include "backend/backend.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "backend/opencv_backend.h"
#include "backend/torchscript_backend.h"
#include "common/status_macros.h"

namespace infaas::backend {

int64_t LoadReport::MemoryBytes() const { return std::max(weight_bytes, resident_delta_bytes); }

absl::StatusOr<std::unique_ptr<Backend>> BackendFor(v1::Framework framework) {
  switch (framework) {
    case v1::FRAMEWORK_TORCHSCRIPT: {
      ASSIGN_OR_RETURN(std::unique_ptr<TorchScriptBackend> backend, TorchScriptBackend::Create());
      return backend;
    }
    case v1::FRAMEWORK_ONNX:
    case v1::FRAMEWORK_TENSORFLOW:
    case v1::FRAMEWORK_CAFFE: {
      ASSIGN_OR_RETURN(std::unique_ptr<OpenCvDnnBackend> backend, OpenCvDnnBackend::Create());
      return backend;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "no backend serves framework ", static_cast<int>(framework),
          "; use FRAMEWORK_TORCHSCRIPT, FRAMEWORK_ONNX, FRAMEWORK_TENSORFLOW or FRAMEWORK_CAFFE"));
  }
}

absl::StatusOr<std::unique_ptr<Model>> LoadModelFromConfigFile(
    const std::filesystem::path& config_path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(v1::ModelConfig config, LoadModelConfig(config_path));
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(config.framework()));
  return backend->Load(config, config_path.parent_path(), options);
}

}  // namespace infaas::backend
