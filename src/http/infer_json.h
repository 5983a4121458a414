#pragma once

// The Open Inference Protocol's HTTP/JSON bodies, converted to and from the
// protocol messages (inference/grpc_service.proto) that kserve:: works on,
// including the binary tensor data extension:
//
//   POST /v2/models/lenet5/infer
//   Inference-Header-Content-Length: 151
//   {"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32",
//               "parameters":{"binary_data_size":3136}}]}<3136 raw bytes>
//
//   ASSIGN_OR_RETURN(HttpInferRequest r, ParseInferRequest(body, header_length, "lenet5", ""));
//   HttpInferBody out = RenderInferResponse(response, r);
//
// JSON inputs carry "data" as a flat or nested array: numbers for numeric
// datatypes, strings for BYTES (base64 when the input's parameters say
// "content_type": "base64"). With the binary extension an input says
// "binary_data_size" instead, and its bytes follow the JSON in input order;
// outputs are returned binary when requested ("binary_data": true on an
// output, or "binary_data_output": true on the request).
//
// Pure functions; thread-safe. Errors are INVALID_ARGUMENT naming the field.

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_service.pb.h"

namespace infaas::http {

inline constexpr char kInferenceHeaderLength[] = "Inference-Header-Content-Length";

struct HttpInferRequest {
  inference::ModelInferRequest request;
  bool binary_output_all = false;
  std::set<std::string> binary_outputs;  // outputs asked for binary data
};

// `body` is the whole HTTP body; `json_length` the value of
// Inference-Header-Content-Length, if sent (then the rest is binary data).
absl::StatusOr<HttpInferRequest> ParseInferRequest(absl::string_view body,
                                                   std::optional<size_t> json_length,
                                                   absl::string_view model_name,
                                                   absl::string_view model_version);

struct HttpInferBody {
  std::string body;
  // Length of the JSON part when binary data follows (set the header to it);
  // nullopt for a JSON-only body.
  std::optional<size_t> json_length;
};

// `response` carries its outputs in contents (fp32_contents).
HttpInferBody RenderInferResponse(const inference::ModelInferResponse& response,
                                  const HttpInferRequest& request);

// Parses the Inference-Header-Content-Length header value.
absl::StatusOr<size_t> ParseHeaderLength(absl::string_view value);

}  // namespace infaas::http
