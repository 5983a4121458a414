// Fuzzes what registration does to an uploaded ONNX file before any engine
// sees it (src/backend/onnx_compat): the rewrite for OpenCV 4.6, reading the
// declared signature, and the rewrite of a rewritten file (which must need
// nothing more). Seeds: the byom example at opsets 7 and 14.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "backend/onnx_compat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)infaas::backend::OnnxSignatureOf(bytes);
  absl::StatusOr<infaas::backend::OnnxRewrite> rewrite =
      infaas::backend::RewriteOnnxForOpenCv(bytes);
  if (!rewrite.ok() || !rewrite->changed()) return 0;
  absl::StatusOr<infaas::backend::OnnxRewrite> again =
      infaas::backend::RewriteOnnxForOpenCv(rewrite->model_bytes);
  // A rewritten file parses and needs no second rewrite.
  if (!again.ok() || again->changed()) std::abort();
  return 0;
}
