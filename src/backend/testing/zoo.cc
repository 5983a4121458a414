#include "backend/testing/zoo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace infaas::backend::testing {

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("INFAAS_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return INFAAS_DEFAULT_SOURCE_DIR;
}

std::filesystem::path ZooDir() { return SourceDir() / "models" / "zoo"; }

std::filesystem::path ByomDir() { return SourceDir() / "models" / "byom" / "mobilenet_tiny"; }

v1::ModelConfig ByomConfig(v1::Framework framework, absl::string_view model_file) {
  v1::ModelConfig config;
  config.set_name(absl::StrCat("mobilenet_tiny_", v1::Framework_Name(framework)));
  config.set_architecture("mobilenet_tiny");
  config.set_framework(framework);
  config.set_model_file(std::string(model_file));
  config.mutable_input()->set_name("input");
  for (int64_t d : {3, 224, 224}) config.mutable_input()->add_dims(d);
  config.mutable_output()->set_name("logits");
  config.mutable_output()->add_dims(1000);
  v1::Preprocessing& pre = *config.mutable_preprocessing();
  pre.set_color(v1::Preprocessing::COLOR_RGB);
  pre.set_resize_shorter_side(256);
  pre.set_center_crop(true);
  pre.set_width(224);
  pre.set_height(224);
  for (float m : {0.485f, 0.456f, 0.406f}) pre.add_mean(m);
  for (float s : {0.229f, 0.224f, 0.225f}) pre.add_std(s);
  config.set_max_batch_size(4);
  return config;
}

std::vector<float> ByomExpectedLogits() {
  std::vector<float> logits;
  for (const std::string& line : ReadLines(ByomDir() / "expected.txt")) {
    if (line.empty() || line[0] == '#') continue;
    logits.push_back(std::stof(line));
  }
  return logits;
}

std::vector<std::filesystem::path> ZooArchitectureDirs() {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ZooDir(), ec)) {
    if (std::filesystem::exists(entry.path() / "config.pbtxt") &&
        std::filesystem::exists(entry.path() / "config_onnx.pbtxt")) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<Sample> ZooSamples() {
  std::vector<Sample> samples;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ZooDir() / "samples", ec)) {
    if (entry.path().extension() != ".png") continue;
    const std::string stem = entry.path().stem().string();  // "ankle_boot_0000"
    samples.push_back({entry.path().filename().string(), stem.substr(0, stem.rfind('_')),
                       ReadBytes(entry.path())});
  }
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.file < b.file; });
  return samples;
}

std::string ClassKey(absl::string_view label) {
  std::string key;
  for (char c : label) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      key.push_back(static_cast<char>(std::tolower(u)));
    } else if (c != '-') {
      key.push_back('_');
    }
  }
  return key;
}

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::filesystem::path NewScratchDir(absl::string_view name) {
  static std::atomic<int> counter{0};
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("infaas_backend_", ::getpid(), "_", counter++, "_", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteBytes(const std::filesystem::path& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace infaas::backend::testing
