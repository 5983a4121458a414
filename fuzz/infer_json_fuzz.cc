// Fuzzes the KServe v2 HTTP/JSON inference body (src/http/infer_json), with
// and without the binary data extension, and renders an answer for every
// body that parses. Input: two bytes that choose the
// Inference-Header-Content-Length (0xffff: none), then the body.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "http/infer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t header = data[0] | (size_t{data[1]} << 8);
  const std::optional<size_t> json_length =
      header == 0xffff ? std::nullopt : std::optional<size_t>(header);
  const absl::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  absl::StatusOr<infaas::http::HttpInferRequest> parsed =
      infaas::http::ParseInferRequest(body, json_length, "lenet5", "");
  if (!parsed.ok()) return 0;
  // Echo the inputs back as FP32 outputs, as a model would answer.
  inference::ModelInferResponse response;
  response.set_model_name("lenet5");
  for (const auto& input : parsed->request.inputs()) {
    auto* output = response.add_outputs();
    output->set_name(input.name());
    output->set_datatype("FP32");
    *output->mutable_shape() = input.shape();
    *output->mutable_contents()->mutable_fp32_contents() = input.contents().fp32_contents();
  }
  infaas::http::RenderInferResponse(response, *parsed);
  return 0;
}
