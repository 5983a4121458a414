// Fuzzes config.pbtxt parsing and validation (src/backend/model_config)
// against a model folder holding the files the zoo's configs name, and the
// shape derivations that loading a variant does next.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "backend/model_config.h"
#include "backend/preprocess.h"

namespace {

// A folder with lenet5.pt, lenet5.onnx, model.prototxt and labels.txt (any
// bytes: validation checks that they exist inside the folder).
std::filesystem::path ModelFolder() {
  static const std::filesystem::path* const dir = [] {
    auto* path =
        new std::filesystem::path(std::filesystem::temp_directory_path() /
                                  ("infaas-model-config-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*path);
    for (const char* name : {"lenet5.pt", "lenet5.onnx", "model.prototxt", "labels.txt"}) {
      std::ofstream(*path / name) << "x\n";
    }
    return path;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<infaas::v1::ModelConfig> config =
      infaas::backend::ParseModelConfig(text, "fuzz/config.pbtxt");
  if (!config.ok()) return 0;
  if (!infaas::backend::ValidateModelConfig(*config, ModelFolder(), "fuzz/config.pbtxt").ok()) {
    return 0;
  }
  infaas::backend::EffectiveMaxBatchSize(*config);
  infaas::backend::EffectiveCpuThreads(*config);
  (void)infaas::backend::ImageExampleShape(*config);
  return 0;
}
