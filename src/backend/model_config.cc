#include "backend/model_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backend/tensor.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::backend {
namespace {

using v1::ModelConfig;
using v1::Preprocessing;
using v1::TensorSpec;

constexpr int kMaxResizeShorterSide = 8192;

// Keeps the first syntax error the parser reports, with 1-based positions.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) error_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

absl::Status Invalid(absl::string_view source, absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", field, " ", what));
}

absl::Status ValidateName(const ModelConfig& config, absl::string_view source) {
  const std::string& name = config.name();
  if (name.empty()) return Invalid(source, "name", "is empty; give the model a name");
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return Invalid(source, "name",
                     absl::StrCat("\"", name, "\" has the character '", std::string(1, c),
                                  "'; use letters, digits, '.', '_' and '-' only"));
    }
  }
  if (name == "." || name == "..") {
    return Invalid(source, "name", absl::StrCat("\"", name, "\" is not a usable name"));
  }
  return absl::OkStatus();
}

// A file named by the config: relative, inside model_dir, a regular file.
absl::Status ValidateFileField(const std::string& value, absl::string_view field,
                               const std::filesystem::path& model_dir, absl::string_view source) {
  const std::filesystem::path relative(value);
  if (relative.is_absolute()) {
    return Invalid(
        source, field,
        absl::StrCat("\"", value, "\" is absolute; give a path relative to ", model_dir.string()));
  }
  for (const std::filesystem::path& part : relative) {
    if (part == "..") {
      return Invalid(source, field,
                     absl::StrCat("\"", value, "\" leaves the model folder; remove \"..\""));
    }
  }
  std::error_code ec;
  const std::filesystem::path full = model_dir / relative;
  if (!std::filesystem::is_regular_file(full, ec)) {
    return Invalid(source, field,
                   absl::StrCat("\"", value, "\": ", full.string(), " is not a readable file"));
  }
  return absl::OkStatus();
}

absl::Status ValidateFiles(const ModelConfig& config, const std::filesystem::path& model_dir,
                           absl::string_view source) {
  if (config.model_file().empty()) {
    return Invalid(source, "model_file", "is empty; name the model file, e.g. \"model.onnx\"");
  }
  RETURN_IF_ERROR(ValidateFileField(config.model_file(), "model_file", model_dir, source));
  if (config.framework() == v1::FRAMEWORK_CAFFE) {
    if (config.model_description_file().empty()) {
      return Invalid(source, "model_description_file",
                     "is empty; a Caffe model needs its .prototxt");
    }
    RETURN_IF_ERROR(ValidateFileField(config.model_description_file(), "model_description_file",
                                      model_dir, source));
  }
  if (!config.label_file().empty()) {
    RETURN_IF_ERROR(ValidateFileField(config.label_file(), "label_file", model_dir, source));
  }
  return absl::OkStatus();
}

absl::Status ValidateTensorSpec(const TensorSpec& spec, absl::string_view field,
                                absl::string_view source) {
  if (spec.dims().empty()) {
    return Invalid(source, absl::StrCat(field, ".dims"),
                   "is empty; give the shape of one example without the batch dimension, "
                   "e.g. dims: [1, 28, 28]");
  }
  for (int64_t dim : spec.dims()) {
    if (dim == 0 || dim < -1) {
      return Invalid(
          source, absl::StrCat(field, ".dims"),
          absl::StrCat(ShapeToString(std::vector<int64_t>(spec.dims().begin(), spec.dims().end())),
                       " has the dimension ", dim,
                       "; use positive sizes, or -1 for a variable one"));
    }
  }
  if (spec.dtype() != v1::DTYPE_UNSPECIFIED && spec.dtype() != v1::DTYPE_FP32) {
    return Invalid(source, absl::StrCat(field, ".dtype"),
                   absl::StrCat("is ", v1::DataType_Name(spec.dtype()),
                                "; the backends take and give DTYPE_FP32 only"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMeanStd(const Preprocessing& pre, int channels, absl::string_view source) {
  for (const auto& [values, field] :
       {std::pair{&pre.mean(), "preprocessing.mean"}, std::pair{&pre.std(), "preprocessing.std"}}) {
    if (values->size() > 1 && values->size() != channels) {
      return Invalid(source, field,
                     absl::StrCat("has ", values->size(), " values; give 0, 1 or ", channels,
                                  " (one per channel)"));
    }
  }
  for (float s : pre.std()) {
    if (!(s > 0.0f)) return Invalid(source, "preprocessing.std", "has a value <= 0");
  }
  if (pre.scale() < 0.0f) return Invalid(source, "preprocessing.scale", "is negative");
  return absl::OkStatus();
}

// Preprocessing only makes sense for an image-shaped input [C, H, W].
absl::Status ValidatePreprocessing(const ModelConfig& config, absl::string_view source) {
  if (!config.has_preprocessing()) return absl::OkStatus();
  const Preprocessing& pre = config.preprocessing();
  const auto& dims = config.input().dims();
  if (dims.size() != 3) {
    return Invalid(source, "preprocessing",
                   absl::StrCat("needs an image input [C,H,W], but input.dims has ", dims.size(),
                                " dimensions"));
  }
  const int channels = ChannelsOf(pre.color());
  if (dims[0] != channels && dims[0] != -1) {
    return Invalid(source, "preprocessing.color",
                   absl::StrCat("is ", Preprocessing::Color_Name(pre.color()), " (", channels,
                                " channels) but input.dims starts with ", dims[0]));
  }
  for (const auto& [size, dim, field] : {std::tuple{pre.height(), dims[1], "preprocessing.height"},
                                         std::tuple{pre.width(), dims[2], "preprocessing.width"}}) {
    if (size < 0) return Invalid(source, field, "is negative");
    if (size == 0 && dim == -1) {
      return Invalid(source, field, "is 0 and the input dimension is variable; give a size");
    }
    if (size > 0 && dim != -1 && dim != size) {
      return Invalid(source, field, absl::StrCat("is ", size, " but input.dims says ", dim));
    }
  }
  if (pre.resize_shorter_side() < 0 || pre.resize_shorter_side() > kMaxResizeShorterSide) {
    return Invalid(source, "preprocessing.resize_shorter_side",
                   absl::StrCat("is ", pre.resize_shorter_side(), "; give 0 (no resize) to ",
                                kMaxResizeShorterSide, " pixels"));
  }
  if (pre.resize_shorter_side() > 0 && !pre.center_crop()) {
    return Invalid(source, "preprocessing.resize_shorter_side",
                   "needs center_crop: true (the resized image is then cropped to width x "
                   "height), or leave it out to resize straight to width x height");
  }
  return ValidateMeanStd(pre, channels, source);
}

absl::Status ValidateLimits(const ModelConfig& config, absl::string_view source) {
  if (config.max_batch_size() < 0) {
    return Invalid(source, "max_batch_size", "is negative; use 1 or more (0 means 1)");
  }
  if (config.cpu_threads() < 0) {
    return Invalid(source, "cpu_threads", "is negative; use 1 or more (0 means 1)");
  }
  const double accuracy = config.declared_accuracy_percent();
  if (accuracy < 0.0 || accuracy > 100.0) {
    return Invalid(source, "declared_accuracy_percent",
                   absl::StrCat("is ", accuracy, "; give a percentage in 0..100"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelConfig> LoadModelConfig(const std::filesystem::path& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(text, path.string()));
  RETURN_IF_ERROR(ValidateModelConfig(config, path.parent_path(), path.string()));
  return config;
}

absl::StatusOr<ModelConfig> ParseModelConfig(absl::string_view text, absl::string_view source) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  ModelConfig config;
  if (!parser.ParseFromString(std::string(text), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", errors.error(), " (expected infaas.v1.ModelConfig text format)"));
  }
  return config;
}

absl::Status ValidateModelConfig(const ModelConfig& config, const std::filesystem::path& model_dir,
                                 absl::string_view source) {
  RETURN_IF_ERROR(ValidateName(config, source));
  if (config.framework() == v1::FRAMEWORK_UNSPECIFIED) {
    return Invalid(source, "framework",
                   "is not set; use FRAMEWORK_TORCHSCRIPT, FRAMEWORK_ONNX, FRAMEWORK_TENSORFLOW "
                   "or FRAMEWORK_CAFFE");
  }
  RETURN_IF_ERROR(ValidateTensorSpec(config.input(), "input", source));
  RETURN_IF_ERROR(ValidateTensorSpec(config.output(), "output", source));
  RETURN_IF_ERROR(ValidatePreprocessing(config, source));
  RETURN_IF_ERROR(ValidateLimits(config, source));
  return ValidateFiles(config, model_dir, source);
}

int EffectiveMaxBatchSize(const ModelConfig& config) {
  return config.max_batch_size() > 0 ? config.max_batch_size() : 1;
}

int EffectiveCpuThreads(const ModelConfig& config) {
  return config.cpu_threads() > 0 ? config.cpu_threads() : 1;
}

int ChannelsOf(Preprocessing::Color color) {
  return color == v1::Preprocessing::COLOR_GRAY ? 1 : 3;
}

absl::string_view FrameworkName(v1::Framework framework) { return v1::Framework_Name(framework); }

}  // namespace infaas::backend
