#pragma once

// Test helpers: where the shipped model zoo and its sample images are, and
// scratch folders for configs and broken model files.
//
// The source folder comes from INFAAS_SOURCE_DIR (CTest sets it) or, when a
// test binary is run by hand, from the folder the build was configured for.
// Test-only; not thread-safe where noted.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "infaas/v1/model_config.pb.h"

namespace infaas::backend::testing {

std::filesystem::path SourceDir();

// SourceDir()/models/zoo.
std::filesystem::path ZooDir();

// SourceDir()/models/byom/mobilenet_tiny: an ImageNet-shaped model as
// exporters write it (tools/zoo/make_byom_example.py).
std::filesystem::path ByomDir();

// A complete config for one of ByomDir()'s model files ([3,224,224] RGB,
// ImageNet preprocessing, [1000] out, max batch 4); the shipped
// config.pbtxt leaves the shapes out on purpose.
v1::ModelConfig ByomConfig(v1::Framework framework, absl::string_view model_file);

// ByomDir()/expected.txt: PyTorch's logits for ByomDir()/sample.jpg.
std::vector<float> ByomExpectedLogits();

// The zoo's architecture folders that hold both config.pbtxt (TorchScript)
// and config_onnx.pbtxt (ONNX), sorted by name.
std::vector<std::filesystem::path> ZooArchitectureDirs();

// One sample PNG: file name, its class key (the file-name prefix, e.g.
// "ankle_boot") and its bytes.
struct Sample {
  std::string file;
  std::string class_key;
  std::string bytes;
};

// Every models/zoo/samples/*.png, sorted by name.
std::vector<Sample> ZooSamples();

// A class name from labels.txt as sample files spell it: lower case, '-'
// dropped, other non-alphanumerics as '_' ("T-shirt/top" -> "tshirt_top").
std::string ClassKey(absl::string_view label);

// Lines of a text file (labels.txt); empty on error.
std::vector<std::string> ReadLines(const std::filesystem::path& path);

// A new empty folder under the test temp dir, unique per call.
std::filesystem::path NewScratchDir(absl::string_view name);

void WriteBytes(const std::filesystem::path& path, absl::string_view bytes);
std::string ReadBytes(const std::filesystem::path& path);

}  // namespace infaas::backend::testing
