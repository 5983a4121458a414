#include "backend/preprocess.h"

#include <bit>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "common/status_macros.h"

namespace infaas::backend {
namespace {

using v1::ModelConfig;
using v1::Preprocessing;

std::vector<int64_t> InputDims(const ModelConfig& config) {
  return {config.input().dims().begin(), config.input().dims().end()};
}

// Per-channel value of a mean/std list: empty -> fallback, one -> shared.
float ChannelValue(const google::protobuf::RepeatedField<float>& values, int channel,
                   float fallback) {
  if (values.empty()) return fallback;
  return values.size() == 1 ? values[0] : values[channel];
}

// Decodes to 8-bit grey or 8-bit BGR; an empty Mat when the bytes are not an
// image OpenCV can read.
absl::StatusOr<cv::Mat> DecodeToMat(absl::string_view encoded, int channels) {
  if (encoded.empty()) return cv::Mat();
  try {
    const cv::Mat buffer(1, static_cast<int>(encoded.size()), CV_8U,
                         const_cast<char*>(encoded.data()));
    return cv::imdecode(buffer, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    // Some corrupt files make a decoder throw rather than return nothing.
    return absl::InvalidArgumentError(e.what());
  }
}

// Colour order, size and float conversion (x * scale), still HWC.
cv::Mat ToScaledFloat(const cv::Mat& decoded, const Preprocessing& pre, int height, int width) {
  cv::Mat image = decoded;
  if (image.channels() == 3 && pre.color() != Preprocessing::COLOR_BGR) {
    cv::cvtColor(decoded, image, cv::COLOR_BGR2RGB);
  }
  if (image.rows != height || image.cols != width) {
    const bool shrinking = image.rows > height || image.cols > width;
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    image = resized;
  }
  const double scale = pre.scale() > 0.0f ? pre.scale() : 1.0 / 255.0;
  cv::Mat scaled;
  image.convertTo(scaled, CV_32F, scale);
  return scaled;
}

// HWC float -> CHW with (x - mean[c]) / std[c].
Tensor ToNormalisedChw(const cv::Mat& hwc, const Preprocessing& pre, std::vector<int64_t> shape) {
  Tensor example = Tensor::Zeros(std::move(shape));
  const int channels = hwc.channels();
  const int plane = hwc.rows * hwc.cols;
  for (int c = 0; c < channels; ++c) {
    const float mean = ChannelValue(pre.mean(), c, 0.0f);
    const float inv_std = 1.0f / ChannelValue(pre.std(), c, 1.0f);
    float* out = example.data.data() + static_cast<size_t>(c) * plane;
    for (int y = 0; y < hwc.rows; ++y) {
      const float* row = hwc.ptr<float>(y);
      for (int x = 0; x < hwc.cols; ++x) {
        out[y * hwc.cols + x] = (row[x * channels + c] - mean) * inv_std;
      }
    }
  }
  return example;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> ImageExampleShape(const ModelConfig& config) {
  std::vector<int64_t> dims = InputDims(config);
  const Preprocessing& pre = config.preprocessing();
  if (dims.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", config.name(), ": input dims ", ShapeToString(dims),
                     " are not an image [C,H,W]; send a raw tensor instead"));
  }
  const int channels = ChannelsOf(pre.color());
  if (dims[0] != -1 && dims[0] != channels) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", config.name(), ": preprocessing colour ",
                     Preprocessing::Color_Name(pre.color()), " gives ", channels,
                     " channels but the input dims ", ShapeToString(dims), " expect ", dims[0]));
  }
  dims[0] = channels;
  if (pre.height() > 0) dims[1] = pre.height();
  if (pre.width() > 0) dims[2] = pre.width();
  if (dims[1] <= 0 || dims[2] <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(),
                                                   ": the image size is unknown; set "
                                                   "preprocessing.width and height"));
  }
  return dims;
}

absl::StatusOr<Tensor> DecodeImageInput(absl::string_view encoded, const ModelConfig& config,
                                        int index) {
  ASSIGN_OR_RETURN(std::vector<int64_t> shape, ImageExampleShape(config));
  const int channels = static_cast<int>(shape[0]);
  absl::StatusOr<cv::Mat> decoded = DecodeToMat(encoded, channels);
  if (!decoded.ok() || decoded->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", index,
                                                   " is not a decodable PNG/JPEG image (",
                                                   encoded.size(), " bytes)"));
  }
  const cv::Mat hwc = ToScaledFloat(*decoded, config.preprocessing(), static_cast<int>(shape[1]),
                                    static_cast<int>(shape[2]));
  return ToNormalisedChw(hwc, config.preprocessing(), std::move(shape));
}

absl::StatusOr<Tensor> DecodeRawInput(absl::string_view bytes, const ModelConfig& config,
                                      int index) {
  std::vector<int64_t> shape = InputDims(config);
  for (int64_t dim : shape) {
    if (dim <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("variant ", config.name(), ": input ", index, " cannot be read raw: input ",
                       "dims ", ShapeToString(shape), " have a variable dimension"));
    }
  }
  const int64_t expected = NumElementsOf(shape);
  if (bytes.size() % sizeof(float) != 0 ||
      static_cast<int64_t>(bytes.size() / sizeof(float)) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "variant ", config.name(), ": input ", index, " has ", bytes.size(), " bytes (",
        bytes.size() / sizeof(float), " float32 values); the shape ", ShapeToString(shape),
        " needs ", expected, " values (", expected * 4, " bytes)"));
  }
  Tensor example = Tensor::Zeros(std::move(shape));
  // The wire format is little-endian float32, which is the host's layout.
  static_assert(std::endian::native == std::endian::little && sizeof(float) == 4);
  std::memcpy(example.data.data(), bytes.data(), bytes.size());
  return example;
}

}  // namespace infaas::backend
