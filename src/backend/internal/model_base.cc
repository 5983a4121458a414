#include "backend/internal/model_base.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "backend/internal/process_stats.h"
#include "backend/model_config.h"
#include "backend/preprocess.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::backend::internal {
namespace {

// True when `actual` is [n, expected...] with -1 in `expected` matching any size.
bool MatchesBatchShape(absl::Span<const int64_t> actual, int64_t n,
                       const google::protobuf::RepeatedField<int64_t>& expected) {
  if (actual.size() != static_cast<size_t>(expected.size()) + 1 || actual[0] != n) return false;
  for (int i = 0; i < expected.size(); ++i) {
    if (expected[i] != -1 && expected[i] != actual[i + 1]) return false;
  }
  return true;
}

std::string BatchDimsText(const google::protobuf::RepeatedField<int64_t>& dims) {
  return ShapeToString(std::vector<int64_t>(dims.begin(), dims.end())).insert(1, "N,");
}

}  // namespace

absl::StatusOr<LoadOptions> ResolveLoadOptions(const v1::ModelConfig& config,
                                               const LoadOptions& options) {
  if (options.cpu_threads < 0 || options.max_batch_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "variant ", config.name(), ": load options cpu_threads=", options.cpu_threads,
        " max_batch_size=", options.max_batch_size, " must not be negative (0 = the config's)"));
  }
  LoadOptions resolved = options;
  if (resolved.cpu_threads == 0) resolved.cpu_threads = EffectiveCpuThreads(config);
  if (resolved.max_batch_size == 0) resolved.max_batch_size = EffectiveMaxBatchSize(config);
  return resolved;
}

absl::Status CheckLoadable(const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                           absl::Span<const v1::Framework> served, absl::string_view backend_name) {
  if (config.hardware() != v1::HARDWARE_UNSPECIFIED && config.hardware() != v1::HARDWARE_CPU) {
    return absl::UnimplementedError(absl::StrCat("variant ", config.name(), ": hardware ",
                                                 v1::Hardware_Name(config.hardware()),
                                                 " is not served; only HARDWARE_CPU is"));
  }
  if (std::find(served.begin(), served.end(), config.framework()) == served.end()) {
    return absl::FailedPreconditionError(absl::StrCat("variant ", config.name(), ": the ",
                                                      backend_name, " backend does not run ",
                                                      FrameworkName(config.framework())));
  }
  return ValidateModelConfig(config, model_dir, absl::StrCat("variant ", config.name()));
}

std::vector<int64_t> WarmUpShape(const v1::ModelConfig& config, int64_t n) {
  std::vector<int64_t> example(config.input().dims().begin(), config.input().dims().end());
  if (config.has_preprocessing()) {
    if (absl::StatusOr<std::vector<int64_t>> image = ImageExampleShape(config); image.ok()) {
      example = *std::move(image);
    }
  }
  std::vector<int64_t> shape = {n};
  for (int64_t dim : example) shape.push_back(dim > 0 ? dim : 1);
  return shape;
}

std::string ConciseError(absl::string_view message) {
  // libtorch puts the cause on a "RuntimeError: ..." line after a TorchScript
  // traceback; OpenCV spreads one cause over several lines.
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(message, '\n', absl::SkipWhitespace())) {
    line = absl::StripAsciiWhitespace(line);
    const size_t colon = line.find("Error: ");
    if (colon != absl::string_view::npos && colon > 0 &&
        std::all_of(line.begin(), line.begin() + colon,
                    [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); })) {
      lines = {line};
      break;
    }
    if (line != ">") lines.push_back(line);
  }
  std::string text = absl::StrJoin(lines, " ");
  constexpr size_t kMaxChars = 400;
  if (text.size() > kMaxChars) text = absl::StrCat(text.substr(0, kMaxChars - 3), "...");
  return text;
}

LoadMeter::LoadMeter() : start_(absl::Now()), start_resident_bytes_(ResidentBytes()) {}

LoadReport LoadMeter::Finish(int64_t weight_bytes) const {
  LoadReport report;
  report.load_time = absl::Now() - start_;
  report.weight_bytes = weight_bytes;
  report.resident_delta_bytes = std::max<int64_t>(0, ResidentBytes() - start_resident_bytes_);
  return report;
}

ModelBase::ModelBase(v1::ModelConfig config, LoadOptions resolved_options)
    : config_(std::move(config)), options_(resolved_options) {}

absl::Status ModelBase::CheckBatch(const Tensor& batch) const {
  if (!batch.shape.empty() && batch.shape[0] > options_.max_batch_size) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config_.name(), ": a batch of ",
                                                   batch.shape[0], " is above the max batch size ",
                                                   options_.max_batch_size, "; split it"));
  }
  if (batch.shape.empty() || batch.shape[0] < 1 ||
      !MatchesBatchShape(batch.shape, batch.shape[0], config_.input().dims()) ||
      !batch.IsConsistent()) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", config_.name(), ": batch of shape ", ShapeToString(batch.shape),
                     " with ", batch.data.size(), " values does not match the input shape ",
                     BatchDimsText(config_.input().dims()), " (N >= 1)"));
  }
  return absl::OkStatus();
}

absl::Status ModelBase::CheckOutput(const Tensor& output, int64_t n) const {
  if (MatchesBatchShape(output.shape, n, config_.output().dims()) && output.IsConsistent()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "variant ", config_.name(), ": the model returned shape ", ShapeToString(output.shape),
      " for a batch of ", n, "; the config's output is ", BatchDimsText(config_.output().dims())));
}

absl::StatusOr<Tensor> ModelBase::Run(const Tensor& batch) {
  RETURN_IF_ERROR(CheckBatch(batch));
  absl::StatusOr<Tensor> output;
  {
    absl::MutexLock lock(&run_mu_);
    output = RunLocked(batch);
  }
  if (!output.ok()) {
    return absl::InternalError(absl::StrCat("variant ", config_.name(), ": a batch of shape ",
                                            ShapeToString(batch.shape),
                                            " failed: ", output.status().message()));
  }
  if (absl::Status status = CheckOutput(*output, batch.shape[0]); !status.ok()) {
    return absl::InternalError(status.message());
  }
  return output;
}

absl::Status ModelBase::WarmUp() {
  const std::vector<int64_t> sizes = {1, 1, options_.max_batch_size};
  for (int64_t n : sizes) {
    const Tensor batch = Tensor::Zeros(WarmUpShape(config_, n));
    absl::StatusOr<Tensor> output;
    {
      absl::MutexLock lock(&run_mu_);
      output = RunLocked(batch);
    }
    if (!output.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("variant ", config_.name(), ": input shape ", ShapeToString(batch.shape),
                       " from config does not match the model: ", output.status().message()));
    }
    RETURN_IF_ERROR(CheckOutput(*output, n));
  }
  return absl::OkStatus();
}

void LogVariantLoaded(const Model& model, absl::string_view backend) {
  LogInfo("variant loaded",
          {{"variant", model.config().name()},
           {"backend", backend},
           {"threads", absl::StrCat(model.options().cpu_threads)},
           {"max_batch", absl::StrCat(model.options().max_batch_size)},
           {"load_ms", absl::StrCat(absl::ToDoubleMilliseconds(model.load_report().load_time))}});
}

}  // namespace infaas::backend::internal
