#include "http/infer_json.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "http/json_limits.h"

namespace infaas::http {
namespace {

using nlohmann::json;
using InputTensor = inference::ModelInferRequest::InferInputTensor;
using ParameterMap = google::protobuf::Map<std::string, inference::InferParameter>;

constexpr int kMaxNesting = 32;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

absl::Status ParametersFromJson(const json& j, absl::string_view where, ParameterMap* out) {
  if (!j.is_object()) return Invalid(where, "\"parameters\" must be an object");
  for (const auto& [name, value] : j.items()) {
    inference::InferParameter& p = (*out)[name];
    if (value.is_boolean()) {
      p.set_bool_param(value.get<bool>());
    } else if (value.is_number_unsigned() &&
               value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      p.set_uint64_param(value.get<uint64_t>());
    } else if (value.is_number_integer()) {
      p.set_int64_param(value.get<int64_t>());
    } else if (value.is_number_float()) {
      p.set_double_param(value.get<double>());
    } else if (value.is_string()) {
      p.set_string_param(value.get<std::string>());
    } else {
      return Invalid(where,
                     absl::StrCat("parameter \"", name, "\" must be a boolean, number or string"));
    }
  }
  return absl::OkStatus();
}

json ParametersToJson(const ParameterMap& parameters) {
  json j = json::object();
  for (const auto& [name, p] : parameters) {
    switch (p.parameter_choice_case()) {
      case inference::InferParameter::kBoolParam:
        j[name] = p.bool_param();
        break;
      case inference::InferParameter::kInt64Param:
        j[name] = p.int64_param();
        break;
      case inference::InferParameter::kUint64Param:
        j[name] = p.uint64_param();
        break;
      case inference::InferParameter::kDoubleParam:
        j[name] = p.double_param();
        break;
      default:
        j[name] = p.string_param();
    }
  }
  return j;
}

// Appends the leaves of a flat or nested array to `leaves`.
absl::Status Flatten(const json& data, int depth, absl::string_view where,
                     std::vector<const json*>* leaves) {
  if (!data.is_array()) {
    leaves->push_back(&data);
    return absl::OkStatus();
  }
  if (depth > kMaxNesting) return Invalid(where, "\"data\" is nested too deeply");
  for (const json& e : data) RETURN_IF_ERROR(Flatten(e, depth + 1, where, leaves));
  return absl::OkStatus();
}

absl::Status DataToContents(const json& data, const std::string& datatype, bool base64,
                            const std::string& where, inference::InferTensorContents* contents) {
  if (!data.is_array()) return Invalid(where, "\"data\" must be an array (flat or nested)");
  std::vector<const json*> leaves;
  RETURN_IF_ERROR(Flatten(data, 0, where, &leaves));
  for (size_t i = 0; i < leaves.size(); ++i) {
    const json& e = *leaves[i];
    if (datatype == "BYTES") {
      if (!e.is_string()) {
        return Invalid(where, absl::StrCat("datatype BYTES needs strings; element ", i, " is ",
                                           e.type_name()));
      }
      std::string bytes = e.get<std::string>();
      if (base64 && !absl::Base64Unescape(e.get<std::string>(), &bytes)) {
        return Invalid(where, absl::StrCat("element ", i, " is not valid base64"));
      }
      contents->add_bytes_contents(std::move(bytes));
    } else if (datatype == "BOOL") {
      if (!e.is_boolean())
        return Invalid(where, absl::StrCat("datatype BOOL needs booleans; element ", i, " is ",
                                           e.type_name()));
      contents->add_bool_contents(e.get<bool>());
    } else {
      // Numeric datatypes: the values travel as FP32; kserve checks the datatype.
      if (!e.is_number()) {
        return Invalid(where, absl::StrCat("datatype ", datatype, " needs numbers; element ", i,
                                           " is ", e.type_name()));
      }
      contents->add_fp32_contents(e.get<float>());
    }
  }
  return absl::OkStatus();
}

// Raw form of JSON contents, for a request that mixes binary and JSON inputs.
std::string ContentsToRaw(const inference::InferTensorContents& c) {
  std::string raw(reinterpret_cast<const char*>(c.fp32_contents().data()),
                  c.fp32_contents_size() * sizeof(float));
  for (const std::string& b : c.bytes_contents()) {
    const uint32_t n = static_cast<uint32_t>(b.size());
    for (int i = 0; i < 4; ++i) raw += static_cast<char>((n >> (8 * i)) & 0xff);
    raw += b;
  }
  return raw;
}

absl::StatusOr<int64_t> BinarySize(const InputTensor& input, const std::string& where) {
  auto it = input.parameters().find("binary_data_size");
  if (it == input.parameters().end()) return -1;
  const inference::InferParameter& p = it->second;
  const int64_t size = p.has_uint64_param()  ? static_cast<int64_t>(p.uint64_param())
                       : p.has_int64_param() ? p.int64_param()
                                             : -1;
  if (size < 0) return Invalid(where, "\"binary_data_size\" must be an integer >= 0");
  return size;
}

absl::Status ParseInput(const json& j, size_t index, absl::string_view binary, size_t* offset,
                        InputTensor* input, std::optional<std::string>* raw) {
  std::string where = absl::StrCat("inputs[", index, "]");
  if (!j.is_object()) return Invalid(where, "must be an object");
  if (!j.contains("name") || !j["name"].is_string())
    return Invalid(where, "needs a string \"name\"");
  input->set_name(j["name"].get<std::string>());
  where = absl::StrCat("input \"", input->name(), "\"");
  if (!j.contains("datatype") || !j["datatype"].is_string()) {
    return Invalid(where, "needs a string \"datatype\" (e.g. \"FP32\")");
  }
  input->set_datatype(j["datatype"].get<std::string>());
  if (!j.contains("shape") || !j["shape"].is_array())
    return Invalid(where, "needs a \"shape\" array");
  for (const json& d : j["shape"]) {
    if (!d.is_number_integer()) return Invalid(where, "\"shape\" must hold integers");
    input->add_shape(d.get<int64_t>());
  }
  if (j.contains("parameters")) {
    RETURN_IF_ERROR(ParametersFromJson(j["parameters"], where, input->mutable_parameters()));
  }
  ASSIGN_OR_RETURN(const int64_t size, BinarySize(*input, where));
  if (size >= 0) {
    if (j.contains("data")) return Invalid(where, "has both \"data\" and \"binary_data_size\"");
    if (binary.size() - *offset < static_cast<size_t>(size)) {
      return Invalid(where, absl::StrCat("\"binary_data_size\" is ", size, " but only ",
                                         binary.size() - *offset,
                                         " bytes of binary data remain after the JSON header"));
    }
    *raw = std::string(binary.substr(*offset, size));
    *offset += size;
    return absl::OkStatus();
  }
  if (!j.contains("data")) return Invalid(where, "needs \"data\" (or \"binary_data_size\")");
  auto ct = input->parameters().find("content_type");
  const bool base64 = ct != input->parameters().end() && ct->second.string_param() == "base64";
  return DataToContents(j["data"], input->datatype(), base64, where, input->mutable_contents());
}

absl::Status ParseOutputs(const json& j, HttpInferRequest* r) {
  if (!j.is_array()) return Invalid("request", "\"outputs\" must be an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = absl::StrCat("outputs[", i, "]");
    if (!j[i].is_object() || !j[i].contains("name") || !j[i]["name"].is_string()) {
      return Invalid(where, "must be an object with a string \"name\"");
    }
    auto* out = r->request.add_outputs();
    out->set_name(j[i]["name"].get<std::string>());
    if (j[i].contains("parameters")) {
      RETURN_IF_ERROR(ParametersFromJson(j[i]["parameters"], where, out->mutable_parameters()));
      auto b = out->parameters().find("binary_data");
      if (b != out->parameters().end() && b->second.bool_param())
        r->binary_outputs.insert(out->name());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ParseJson(absl::string_view text) {
  RETURN_IF_ERROR(CheckJsonContainers(text));
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is not valid JSON: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<size_t> ParseHeaderLength(absl::string_view value) {
  uint64_t n = 0;
  if (!absl::SimpleAtoi(value, &n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        kInferenceHeaderLength, " must be the JSON header's length in bytes; got \"", value, "\""));
  }
  return static_cast<size_t>(n);
}

absl::StatusOr<HttpInferRequest> ParseInferRequest(absl::string_view body,
                                                   std::optional<size_t> json_length,
                                                   absl::string_view model_name,
                                                   absl::string_view model_version) {
  const size_t header = json_length.value_or(body.size());
  if (header > body.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kInferenceHeaderLength, " is ", header, " but the body has only ", body.size(), " bytes"));
  }
  const absl::string_view binary = body.substr(header);
  ASSIGN_OR_RETURN(json j, ParseJson(body.substr(0, header)));
  if (!j.is_object()) return Invalid("request", "the body must be a JSON object");
  HttpInferRequest r;
  r.request.set_model_name(std::string(model_name));
  if (!model_version.empty()) r.request.set_model_version(std::string(model_version));
  if (j.contains("id")) {
    if (!j["id"].is_string()) return Invalid("request", "\"id\" must be a string");
    r.request.set_id(j["id"].get<std::string>());
  }
  if (j.contains("parameters")) {
    RETURN_IF_ERROR(ParametersFromJson(j["parameters"], "request", r.request.mutable_parameters()));
    auto b = r.request.parameters().find("binary_data_output");
    r.binary_output_all = b != r.request.parameters().end() && b->second.bool_param();
  }
  if (!j.contains("inputs") || !j["inputs"].is_array()) {
    return Invalid("request", "needs an \"inputs\" array");
  }
  size_t offset = 0;
  std::vector<std::optional<std::string>> raws;
  for (size_t i = 0; i < j["inputs"].size(); ++i) {
    raws.emplace_back();
    RETURN_IF_ERROR(
        ParseInput(j["inputs"][i], i, binary, &offset, r.request.add_inputs(), &raws.back()));
  }
  if (offset != binary.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the body has ", binary.size(),
                                                   " bytes after the JSON header but the inputs' "
                                                   "binary_data_size add up to ",
                                                   offset));
  }
  if (offset > 0) {  // the protocol message carries all inputs raw, or none
    for (int i = 0; i < r.request.inputs_size(); ++i) {
      auto* input = r.request.mutable_inputs(i);
      r.request.add_raw_input_contents(raws[i].has_value() ? *raws[i]
                                                           : ContentsToRaw(input->contents()));
      input->clear_contents();
    }
  }
  if (j.contains("outputs")) RETURN_IF_ERROR(ParseOutputs(j["outputs"], &r));
  return r;
}

HttpInferBody RenderInferResponse(const inference::ModelInferResponse& response,
                                  const HttpInferRequest& request) {
  json j = {{"model_name", response.model_name()}, {"model_version", response.model_version()}};
  if (!response.id().empty()) j["id"] = response.id();
  j["parameters"] = ParametersToJson(response.parameters());
  std::string binary;
  json outputs = json::array();
  for (const auto& out : response.outputs()) {
    json o = {{"name", out.name()}, {"datatype", out.datatype()}, {"shape", out.shape()}};
    if (!out.parameters().empty()) o["parameters"] = ParametersToJson(out.parameters());
    const auto& values = out.contents().fp32_contents();
    if (request.binary_output_all || request.binary_outputs.count(out.name()) > 0) {
      const size_t before = binary.size();
      binary.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
      o["parameters"]["binary_data_size"] = binary.size() - before;
    } else {
      o["data"] = std::vector<float>(values.begin(), values.end());
    }
    outputs.push_back(std::move(o));
  }
  j["outputs"] = std::move(outputs);
  HttpInferBody b;
  b.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!binary.empty()) {
    b.json_length = b.body.size();
    b.body += binary;
  }
  return b;
}

}  // namespace infaas::http
