// Fuzzes the decoding of query inputs (src/backend/preprocess): encoded
// images (PNG/JPEG through OpenCV) and raw float32 tensors, for a grayscale
// 28x28 model and an RGB 32x32 one. Input: one byte that chooses the model
// and the kind, then the bytes.
#include <cstddef>
#include <cstdint>

#include "backend/preprocess.h"

namespace {

infaas::v1::ModelConfig Config(bool rgb) {
  infaas::v1::ModelConfig config;
  config.set_name(rgb ? "rgb32" : "lenet5");
  auto* input = config.mutable_input();
  input->set_name("input");
  input->set_dtype(infaas::v1::DTYPE_FP32);
  for (int d : {rgb ? 3 : 1, rgb ? 32 : 28, rgb ? 32 : 28}) input->add_dims(d);
  auto* pre = config.mutable_preprocessing();
  pre->set_color(rgb ? infaas::v1::Preprocessing::COLOR_RGB
                     : infaas::v1::Preprocessing::COLOR_GRAY);
  pre->set_width(rgb ? 32 : 28);
  pre->set_height(rgb ? 32 : 28);
  for (int c = 0; c < (rgb ? 3 : 1); ++c) {
    pre->add_mean(0.5f);
    pre->add_std(0.25f);
  }
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const infaas::v1::ModelConfig* const gray = new infaas::v1::ModelConfig(Config(false));
  static const infaas::v1::ModelConfig* const rgb = new infaas::v1::ModelConfig(Config(true));
  if (size < 1) return 0;
  const infaas::v1::ModelConfig& config = (data[0] & 1) ? *rgb : *gray;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 2) {
    (void)infaas::backend::DecodeRawInput(bytes, config, 0);
  } else {
    (void)infaas::backend::DecodeImageInput(bytes, config, 0);
  }
  return 0;
}
