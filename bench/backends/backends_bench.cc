// infaas_bench_backends: latency, throughput, load time, memory and
// CPU-time/wall-time of every backend on the model zoo (and, with --extra,
// on ImageNet-sized models), plus a check that per-instance thread counts
// hold when instances with different counts run at once.
//
//   build/bin/infaas_bench_backends                       # the Fashion-MNIST zoo
//   build/bin/infaas_bench_backends --extra=/tmp/infaas-imagenet-models --seconds=2
//
// Engines: "torchscript" and "opencv-onnx" are the backends (Backend::Load,
// Model::Run); "plain-libtorch" is the same TorchScript recipe called
// directly, to show what the backend wrapper costs. cpu/wall is process CPU
// time over wall time during the timed runs: about 1 for one thread, up to
// 2 for two.

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backend/backend.h"
#include "backend/internal/process_stats.h"
#include "backend/model_config.h"
#include "backend/onnx_compat.h"
#include "common/files.h"
#include "common/latency_histogram.h"
#include "isolation.h"
#include "plain_libtorch.h"
#include "profiler/config_inference.h"

namespace infaas::bench {
namespace {

namespace fs = std::filesystem;
using backend::internal::ProcessCpuTime;
using backend::internal::ResidentBytes;

struct Flags {
  fs::path zoo = fs::path(INFAAS_DEFAULT_SOURCE_DIR) / "models" / "zoo";
  std::vector<fs::path> extra;
  std::vector<int> threads = {1, 2};
  std::vector<int> batches = {1, 8};
  double seconds = 1.0;
  int min_runs = 5;
  bool isolation = true;
};

std::vector<int> ParseInts(absl::string_view text) {
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int value = 0;
    if (absl::SimpleAtoi(part, &value) && value > 0) values.push_back(value);
  }
  return values;
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const absl::string_view value = eq == absl::string_view::npos ? "" : arg.substr(eq + 1);
    if (name == "--zoo") {
      flags->zoo = std::string(value);
    } else if (name == "--extra") {
      flags->extra.emplace_back(std::string(value));
    } else if (name == "--threads") {
      flags->threads = ParseInts(value);
    } else if (name == "--batches") {
      flags->batches = ParseInts(value);
    } else if (name == "--seconds") {
      if (!absl::SimpleAtod(value, &flags->seconds)) return false;
    } else if (name == "--no-isolation") {
      flags->isolation = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--zoo=DIR] [--extra=DIR]... [--threads=1,2] [--batches=1,8] "
                   "[--seconds=1.0] [--no-isolation]\n",
                   argv[0]);
      return false;
    }
  }
  return !flags->threads.empty() && !flags->batches.empty();
}

// A folder as a user uploads it (config.pbtxt without shapes for the .pt,
// the exported .onnx beside it) made ready for the engines, as
// registration would: shapes filled in, the ONNX file rewritten for OpenCV.
// Written to a scratch folder; the model files are linked, not copied.
std::optional<fs::path> PrepareUpload(const fs::path& dir) {
  auto text = ReadFile(dir / "config.pbtxt");
  if (!text.ok()) return std::nullopt;
  auto config = backend::ParseModelConfig(*text, (dir / "config.pbtxt").string());
  if (!config.ok()) return std::nullopt;
  std::vector<std::string> notes;
  if (!profiler::InferTensorSpecs(*config, dir, notes).ok()) return std::nullopt;
  const fs::path onnx = profiler::OnnxFileFor(*config, dir);
  if (config->framework() != v1::FRAMEWORK_TORCHSCRIPT || onnx.empty()) return std::nullopt;
  auto bytes = ReadFile(onnx);
  if (!bytes.ok()) return std::nullopt;
  auto rewrite = backend::RewriteOnnxForOpenCv(*bytes);
  if (!rewrite.ok()) {
    std::fprintf(stderr, "%s: %s\n", onnx.c_str(), std::string(rewrite.status().message()).c_str());
    return std::nullopt;
  }
  const fs::path ready =
      fs::temp_directory_path() / ("infaas-bench-backends-" + dir.filename().string());
  std::error_code ec;
  fs::remove_all(ready, ec);
  fs::create_directories(ready, ec);
  fs::create_symlink(fs::absolute(dir / config->model_file()), ready / config->model_file(), ec);
  v1::ModelConfig onnx_config = *config;
  onnx_config.set_framework(v1::FRAMEWORK_ONNX);
  onnx_config.set_model_file("model.onnx");
  if (rewrite->changed()) {
    if (!WriteFileAtomically(ready / "model.onnx", rewrite->model_bytes).ok()) return std::nullopt;
  } else {
    fs::create_symlink(onnx, ready / "model.onnx", ec);
  }
  std::string config_text, onnx_text;
  google::protobuf::TextFormat::PrintToString(*config, &config_text);
  google::protobuf::TextFormat::PrintToString(onnx_config, &onnx_text);
  if (!WriteFileAtomically(ready / "config.pbtxt", config_text).ok() ||
      !WriteFileAtomically(ready / "config_onnx.pbtxt", onnx_text).ok()) {
    return std::nullopt;
  }
  return ready;
}

// Model folders under `root`: with config.pbtxt and config_onnx.pbtxt (the
// zoo), or as a user uploads them (PrepareUpload).
std::vector<fs::path> ModelDirs(const fs::path& root) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (fs::exists(entry.path() / "config.pbtxt") &&
        fs::exists(entry.path() / "config_onnx.pbtxt")) {
      dirs.push_back(entry.path());
    } else if (std::optional<fs::path> ready = PrepareUpload(entry.path())) {
      dirs.push_back(*ready);
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

struct Timing {
  double median_ms = 0;
  double images_per_s = 0;
  double cpu_per_wall = 0;
  int runs = 0;
  bool ok = true;
};

Timing TimeRuns(const std::function<bool()>& run, int batch, const Flags& flags) {
  Timing timing;
  for (int i = 0; i < 2; ++i) timing.ok = timing.ok && run();
  std::vector<double> samples;
  const absl::Time start = absl::Now();
  const absl::Duration cpu_start = ProcessCpuTime();
  while (timing.ok && (samples.size() < static_cast<size_t>(flags.min_runs) ||
                       absl::Now() - start < absl::Seconds(flags.seconds))) {
    const absl::Time t0 = absl::Now();
    timing.ok = run();
    samples.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
  }
  const double wall_s = absl::ToDoubleSeconds(absl::Now() - start);
  timing.cpu_per_wall = absl::ToDoubleSeconds(ProcessCpuTime() - cpu_start) / wall_s;
  timing.runs = static_cast<int>(samples.size());
  timing.median_ms = PercentileOf(samples, 50);
  timing.images_per_s = timing.median_ms > 0 ? batch * 1000.0 / timing.median_ms : 0;
  return timing;
}

struct Engine {
  std::string name;
  double load_ms = 0;
  double memory_mb = 0;
  std::function<bool(backend::Tensor&)> run;
};

void PrintHeader() {
  std::printf("%-16s %-15s %3s %5s %9s %10s %9s %9s %8s %9s %5s\n", "model", "engine", "thr",
              "batch", "load_ms", "median_ms", "images/s", "memory_MB", "cpu/wall", "runs", "");
}

void PrintRow(const std::string& model, const Engine& engine, int threads, int batch,
              const Timing& timing) {
  std::printf("%-16s %-15s %3d %5d %9.1f %10.3f %9.1f %9.1f %8.2f %9d %5s\n", model.c_str(),
              engine.name.c_str(), threads, batch, engine.load_ms, timing.median_ms,
              timing.images_per_s, engine.memory_mb, timing.cpu_per_wall, timing.runs,
              timing.ok ? "" : "FAIL");
}

bool AddBackendEngine(const fs::path& config, const char* name, int threads, int max_batch,
                      std::vector<Engine>* engines) {
  auto model = backend::LoadModelFromConfigFile(
      config, backend::LoadOptions{.cpu_threads = threads, .max_batch_size = max_batch});
  if (!model.ok()) {
    std::fprintf(stderr, "%s: %s\n", config.c_str(), std::string(model.status().message()).c_str());
    return false;
  }
  std::shared_ptr<backend::Model> shared = *std::move(model);
  engines->push_back({name, absl::ToDoubleMilliseconds(shared->load_report().load_time),
                      shared->load_report().MemoryBytes() / 1e6,
                      [shared](backend::Tensor& batch) { return shared->Run(batch).ok(); }});
  return true;
}

void AddPlainEngine(const fs::path& dir, int threads, std::vector<Engine>* engines) {
  auto config = backend::LoadModelConfig(dir / "config.pbtxt");
  if (!config.ok()) return;
  const absl::Time start = absl::Now();
  const int64_t resident = ResidentBytes();
  auto plain = PlainTorchModule::Load(dir / config->model_file(), threads);
  if (!plain.ok()) {
    std::fprintf(stderr, "%s\n", std::string(plain.status().message()).c_str());
    return;
  }
  std::shared_ptr<PlainTorchModule> shared = *std::move(plain);
  engines->push_back(
      {"plain-libtorch", absl::ToDoubleMilliseconds(absl::Now() - start),
       std::max<int64_t>(0, ResidentBytes() - resident) / 1e6,
       [shared](backend::Tensor& batch) { return shared->Run(batch.shape, batch.data); }});
}

void BenchModel(const fs::path& dir, const Flags& flags) {
  const std::string model = dir.filename().string();
  const int max_batch = *std::max_element(flags.batches.begin(), flags.batches.end());
  auto config = backend::LoadModelConfig(dir / "config.pbtxt");
  if (!config.ok()) return;
  for (int threads : flags.threads) {
    std::vector<Engine> engines;
    AddBackendEngine(dir / "config.pbtxt", "torchscript", threads, max_batch, &engines);
    AddPlainEngine(dir, threads, &engines);
    AddBackendEngine(dir / "config_onnx.pbtxt", "opencv-onnx", threads, max_batch, &engines);
    for (int batch : flags.batches) {
      std::vector<int64_t> shape = {batch};
      for (int64_t dim : config->input().dims()) shape.push_back(dim > 0 ? dim : 1);
      backend::Tensor input = backend::Tensor::Zeros(shape);
      std::fill(input.data.begin(), input.data.end(), 0.5f);
      for (Engine& engine : engines) {
        const Timing timing = TimeRuns([&] { return engine.run(input); }, batch, flags);
        PrintRow(model, engine, threads, batch, timing);
      }
    }
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace infaas::bench

int main(int argc, char** argv) {
  using namespace infaas::bench;
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  std::vector<std::filesystem::path> dirs = ModelDirs(flags.zoo);
  for (const auto& extra : flags.extra) {
    for (const auto& dir : ModelDirs(extra)) dirs.push_back(dir);
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "no models under %s\n", flags.zoo.c_str());
    return 1;
  }
  PrintHeader();
  for (const auto& dir : dirs) BenchModel(dir, flags);
  if (flags.isolation) RunIsolationCheck(dirs.back(), flags.seconds);
  return 0;
}
