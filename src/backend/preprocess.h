#pragma once

// Turning request bytes into one example of a model's input.
//
// Two kinds of input:
//  - an encoded image (PNG or JPEG): decoded, converted to the config's
//    colour mode, resized to preprocessing.width x height (or, with
//    center_crop, its shorter side resized to resize_shorter_side and the
//    centre width x height cut out, as ImageNet models expect), multiplied by
//    scale (0 = 1/255), normalised per channel ((x - mean[c]) / std[c]) and
//    laid out as CHW float32;
//  - a raw tensor: little-endian float32 values, exactly as many as the
//    product of input.dims.
//
//   ASSIGN_OR_RETURN(Tensor example, DecodeImageInput(png_bytes, config, 0));
//   ASSIGN_OR_RETURN(Tensor batch, StackExamples({example}));
//
// Free functions without state; thread-safe. Errors are InvalidArgument and
// name the input's position in the request (`index`) and the variant.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backend/tensor.h"
#include "infaas/v1/model_config.pb.h"

namespace infaas::backend {

// The shape of one example [C, H, W] for an image input: input.dims with
// variable (-1) dimensions filled from the colour mode and
// preprocessing.width/height. InvalidArgument when input.dims is not
// three-dimensional or a dimension stays unknown, or when the colour mode's
// channel count disagrees with input.dims[0].
absl::StatusOr<std::vector<int64_t>> ImageExampleShape(const v1::ModelConfig& config);

// The most pixels (width x height) an input image may declare; a larger one
// is refused before it is decoded.
inline constexpr uint64_t kMaxImagePixels = uint64_t{4096} * 4096;

// Decodes one PNG/JPEG image into an example of shape ImageExampleShape().
// Other formats are refused unread.
// InvalidArgument e.g. "variant lenet5: input 0 is not a decodable PNG/JPEG
// image (12 bytes)" or a channel-count mismatch between the config's colour
// mode and its input dims.
absl::StatusOr<Tensor> DecodeImageInput(absl::string_view encoded, const v1::ModelConfig& config,
                                        int index);

// Reads one example from little-endian float32 bytes; its shape is
// input.dims, which must be fully known. InvalidArgument when the byte count
// is not 4 x the expected element count (naming both counts), or for a
// variable dimension.
absl::StatusOr<Tensor> DecodeRawInput(absl::string_view bytes, const v1::ModelConfig& config,
                                      int index);

}  // namespace infaas::backend
