#include "backend/preprocess.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
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

uint32_t BigEndian(absl::string_view bytes, size_t at, int length) {
  uint32_t v = 0;
  for (int i = 0; i < length; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// Width x height from a PNG's IHDR or a JPEG's start-of-frame segment,
// without decoding; nullopt when the bytes are neither (or are cut short).
std::optional<std::pair<uint32_t, uint32_t>> ImageSize(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\x89PNG\r\n\x1a\n")) {
    if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") return std::nullopt;
    return std::make_pair(BigEndian(bytes, 16, 4), BigEndian(bytes, 20, 4));
  }
  if (!absl::StartsWith(bytes, "\xff\xd8")) return std::nullopt;
  size_t at = 2;
  while (at + 4 <= bytes.size()) {
    if (static_cast<unsigned char>(bytes[at]) != 0xff) return std::nullopt;
    const unsigned char marker = static_cast<unsigned char>(bytes[at + 1]);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {  // no length
      at += 2;
      continue;
    }
    const uint32_t length = BigEndian(bytes, at + 2, 2);
    const bool start_of_frame =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (start_of_frame) {
      if (length < 7 || at + 9 > bytes.size()) return std::nullopt;
      return std::make_pair(BigEndian(bytes, at + 7, 2), BigEndian(bytes, at + 5, 2));
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
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

// `image` resized to rows x cols: area averaging when it shrinks in either
// direction, bilinear when it only grows.
cv::Mat ResizeTo(const cv::Mat& image, int rows, int cols) {
  if (image.rows == rows && image.cols == cols) return image;
  const bool shrinking = image.rows > rows || image.cols > cols;
  cv::Mat resized;
  cv::resize(image, resized, cv::Size(cols, rows), 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  return resized;
}

// The size an image becomes before its centre is cut out: its shorter side
// at resize_shorter_side (if set; the longer side truncated to whole
// pixels, as torchvision does), then enlarged, aspect kept, if it would not
// cover height x width. In 64 bits: an elongated image could exceed int.
std::pair<int64_t, int64_t> SizeBeforeCrop(int64_t rows, int64_t cols, const Preprocessing& pre,
                                           int height, int width) {
  if (rows <= 0 || cols <= 0) return {0, 0};
  if (const int64_t side = pre.resize_shorter_side(); side > 0) {
    if (rows <= cols) {
      cols = static_cast<int64_t>(static_cast<double>(side) * static_cast<double>(cols) /
                                  static_cast<double>(rows));
      rows = side;
    } else {
      rows = static_cast<int64_t>(static_cast<double>(side) * static_cast<double>(rows) /
                                  static_cast<double>(cols));
      cols = side;
    }
  }
  if (rows < height || cols < width) {
    const double grow = std::max(static_cast<double>(height) / static_cast<double>(rows),
                                 static_cast<double>(width) / static_cast<double>(cols));
    rows = std::max<int64_t>(height, static_cast<int64_t>(std::ceil(rows * grow)));
    cols = std::max<int64_t>(width, static_cast<int64_t>(std::ceil(cols * grow)));
  }
  return {rows, cols};
}

// The resized image's centre height x width; rows x cols from SizeBeforeCrop.
cv::Mat ResizeAndCropCentre(const cv::Mat& image, int rows, int cols, int height, int width) {
  const cv::Mat resized = ResizeTo(image, rows, cols);
  return resized(cv::Rect((cols - width) / 2, (rows - height) / 2, width, height));
}

// Colour order, size and float conversion (x * scale), still HWC. With
// center_crop, `rows` x `cols` is the size before the crop.
cv::Mat ToScaledFloat(const cv::Mat& decoded, const Preprocessing& pre, int height, int width,
                      int rows, int cols) {
  cv::Mat image = decoded;
  if (image.channels() == 3 && pre.color() != Preprocessing::COLOR_BGR) {
    cv::cvtColor(decoded, image, cv::COLOR_BGR2RGB);
  }
  image = pre.center_crop() ? ResizeAndCropCentre(image, rows, cols, height, width)
                            : ResizeTo(image, height, width);
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
  // The size an image declares is checked before OpenCV allocates for it,
  // and only PNG and JPEG reach OpenCV's decoders.
  const std::optional<std::pair<uint32_t, uint32_t>> size = ImageSize(encoded);
  if (!size.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", index,
                                                   " is not a decodable PNG/JPEG image (",
                                                   encoded.size(), " bytes)"));
  }
  if (uint64_t{size->first} * size->second > kMaxImagePixels) {
    return absl::InvalidArgumentError(absl::StrCat(
        "variant ", config.name(), ": input ", index, " is a ", size->first, "x", size->second,
        " image; at most ", kMaxImagePixels, " pixels are decoded, resize it first"));
  }
  const Preprocessing& pre = config.preprocessing();
  const int height = static_cast<int>(shape[1]);
  const int width = static_cast<int>(shape[2]);
  // What the resize before a centre crop would allocate, checked first too.
  int64_t rows = 0;
  int64_t cols = 0;
  std::tie(rows, cols) = SizeBeforeCrop(size->second, size->first, pre, height, width);
  if (pre.center_crop() &&
      (rows <= 0 || cols <= 0 ||
       static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) > kMaxImagePixels)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "variant ", config.name(), ": input ", index, " is a ", size->first, "x", size->second,
        " image; resized for its centre crop it would be ", cols, "x", rows, ", more than ",
        kMaxImagePixels, " pixels: send a less elongated image"));
  }
  absl::StatusOr<cv::Mat> decoded = DecodeToMat(encoded, channels);
  if (!decoded.ok() || decoded->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", index,
                                                   " is not a decodable PNG/JPEG image (",
                                                   encoded.size(), " bytes)"));
  }
  // The decoder's own size is the one to crop from (a header may lie).
  std::tie(rows, cols) = SizeBeforeCrop(decoded->rows, decoded->cols, pre, height, width);
  if (pre.center_crop() &&
      static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) > kMaxImagePixels) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", index,
                                                   " would exceed ", kMaxImagePixels,
                                                   " pixels once resized for its centre crop"));
  }
  try {
    const cv::Mat hwc =
        ToScaledFloat(*decoded, pre, height, width, static_cast<int>(rows), static_cast<int>(cols));
    return ToNormalisedChw(hwc, pre, std::move(shape));
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", index,
                                                   " could not be resized: ", e.what()));
  }
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
