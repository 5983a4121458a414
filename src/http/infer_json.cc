#include "http/infer_json.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include <simdjson.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "http/json_limits.h"

namespace infaas::http {
namespace {

using nlohmann::json;                    // answers
using Element = simdjson::dom::element;  // requests
using InputTensor = inference::ModelInferRequest::InferInputTensor;
using ParameterMap = google::protobuf::Map<std::string, inference::InferParameter>;

constexpr int kMaxNesting = 32;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// nlohmann's names for JSON types, in messages.
absl::string_view TypeName(const Element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

bool IsNumber(const Element& e) {
  const auto t = e.type();
  return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64 ||
         t == simdjson::dom::element_type::DOUBLE;
}

// The member `key` of `object`, or nullopt.
std::optional<Element> Member(const simdjson::dom::object& object, std::string_view key) {
  Element e;
  if (object.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

// The string member `key`, or nullopt when absent or not a string.
std::optional<std::string_view> StringMember(const simdjson::dom::object& object,
                                             std::string_view key) {
  std::optional<Element> e = Member(object, key);
  std::string_view s;
  if (!e.has_value() || e->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

absl::Status ParametersFromJson(const Element& j, absl::string_view where, ParameterMap* out) {
  simdjson::dom::object object;
  if (j.get_object().get(object) != simdjson::SUCCESS) {
    return Invalid(where, "\"parameters\" must be an object");
  }
  for (const simdjson::dom::key_value_pair field : object) {
    const std::string name(field.key);
    const Element& value = field.value;
    inference::InferParameter& p = (*out)[name];
    switch (value.type()) {
      case simdjson::dom::element_type::BOOL:
        p.set_bool_param(bool(value));
        break;
      case simdjson::dom::element_type::UINT64:  // above INT64_MAX
        p.set_uint64_param(uint64_t(value));
        break;
      case simdjson::dom::element_type::INT64:
        p.set_int64_param(int64_t(value));
        break;
      case simdjson::dom::element_type::DOUBLE:
        p.set_double_param(double(value));
        break;
      case simdjson::dom::element_type::STRING:
        p.set_string_param(std::string(std::string_view(value)));
        break;
      default:
        return Invalid(
            where, absl::StrCat("parameter \"", name, "\" must be a boolean, number or string"));
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

// Calls `leaf(element, index)` for each leaf of a flat or nested array, in
// order, until one fails.
template <typename Leaf>
absl::Status ForEachLeaf(const Element& data, int depth, absl::string_view where, size_t* index,
                         Leaf& leaf) {
  if (!data.is_array()) return leaf(data, (*index)++);
  if (depth > kMaxNesting) return Invalid(where, "\"data\" is nested too deeply");
  for (const Element e : simdjson::dom::array(data)) {
    RETURN_IF_ERROR(ForEachLeaf(e, depth + 1, where, index, leaf));
  }
  return absl::OkStatus();
}

absl::Status DataToContents(const Element& data, const std::string& datatype, bool base64,
                            const std::string& where, inference::InferTensorContents* contents) {
  if (!data.is_array()) return Invalid(where, "\"data\" must be an array (flat or nested)");
  auto leaf = [&](const Element& e, size_t i) -> absl::Status {
    if (datatype == "BYTES") {
      if (!e.is_string()) {
        return Invalid(
            where, absl::StrCat("datatype BYTES needs strings; element ", i, " is ", TypeName(e)));
      }
      const std::string_view text(e);
      std::string bytes(text);
      if (base64 && !absl::Base64Unescape(absl::string_view(text.data(), text.size()), &bytes)) {
        return Invalid(where, absl::StrCat("element ", i, " is not valid base64"));
      }
      contents->add_bytes_contents(std::move(bytes));
    } else if (datatype == "BOOL") {
      if (!e.is_bool()) {
        return Invalid(
            where, absl::StrCat("datatype BOOL needs booleans; element ", i, " is ", TypeName(e)));
      }
      contents->add_bool_contents(bool(e));
    } else {
      // Numeric datatypes: the values travel as FP32; kserve checks the datatype.
      if (!IsNumber(e)) {
        return Invalid(where, absl::StrCat("datatype ", datatype, " needs numbers; element ", i,
                                           " is ", TypeName(e)));
      }
      contents->add_fp32_contents(static_cast<float>(double(e)));
    }
    return absl::OkStatus();
  };
  size_t index = 0;
  return ForEachLeaf(data, 0, where, &index, leaf);
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

absl::Status ParseInput(const Element& j, size_t index, absl::string_view binary, size_t* offset,
                        InputTensor* input, std::optional<std::string>* raw) {
  std::string where = absl::StrCat("inputs[", index, "]");
  simdjson::dom::object object;
  if (j.get_object().get(object) != simdjson::SUCCESS) return Invalid(where, "must be an object");
  const std::optional<std::string_view> name = StringMember(object, "name");
  if (!name.has_value()) return Invalid(where, "needs a string \"name\"");
  input->set_name(std::string(*name));
  where = absl::StrCat("input \"", input->name(), "\"");
  const std::optional<std::string_view> datatype = StringMember(object, "datatype");
  if (!datatype.has_value()) {
    return Invalid(where, "needs a string \"datatype\" (e.g. \"FP32\")");
  }
  input->set_datatype(std::string(*datatype));
  const std::optional<Element> shape = Member(object, "shape");
  if (!shape.has_value() || !shape->is_array()) return Invalid(where, "needs a \"shape\" array");
  for (const Element d : simdjson::dom::array(*shape)) {
    if (!d.is_int64()) return Invalid(where, "\"shape\" must hold integers");
    input->add_shape(int64_t(d));
  }
  if (const std::optional<Element> p = Member(object, "parameters")) {
    RETURN_IF_ERROR(ParametersFromJson(*p, where, input->mutable_parameters()));
  }
  const std::optional<Element> data = Member(object, "data");
  ASSIGN_OR_RETURN(const int64_t size, BinarySize(*input, where));
  if (size >= 0) {
    if (data.has_value()) return Invalid(where, "has both \"data\" and \"binary_data_size\"");
    if (binary.size() - *offset < static_cast<size_t>(size)) {
      return Invalid(where, absl::StrCat("\"binary_data_size\" is ", size, " but only ",
                                         binary.size() - *offset,
                                         " bytes of binary data remain after the JSON header"));
    }
    *raw = std::string(binary.substr(*offset, size));
    *offset += size;
    return absl::OkStatus();
  }
  if (!data.has_value()) return Invalid(where, "needs \"data\" (or \"binary_data_size\")");
  auto ct = input->parameters().find("content_type");
  const bool base64 = ct != input->parameters().end() && ct->second.string_param() == "base64";
  return DataToContents(*data, input->datatype(), base64, where, input->mutable_contents());
}

absl::Status ParseOutputs(const Element& j, HttpInferRequest* r) {
  if (!j.is_array()) return Invalid("request", "\"outputs\" must be an array");
  size_t i = 0;
  for (const Element o : simdjson::dom::array(j)) {
    const std::string where = absl::StrCat("outputs[", i++, "]");
    simdjson::dom::object object;
    std::optional<std::string_view> name;
    if (o.get_object().get(object) == simdjson::SUCCESS) name = StringMember(object, "name");
    if (!name.has_value()) return Invalid(where, "must be an object with a string \"name\"");
    auto* out = r->request.add_outputs();
    out->set_name(std::string(*name));
    if (const std::optional<Element> p = Member(object, "parameters")) {
      RETURN_IF_ERROR(ParametersFromJson(*p, where, out->mutable_parameters()));
      auto b = out->parameters().find("binary_data");
      if (b != out->parameters().end() && b->second.bool_param())
        r->binary_outputs.insert(out->name());
    }
  }
  return absl::OkStatus();
}

// A parser per request thread keeps its buffers (several times the largest
// body it parsed) for the next body; a body past this size gets a parser of
// its own, freed with it, so that a thread keeps a few MiB at most.
constexpr size_t kReusedParserMaxBytes = size_t{256} << 10;

absl::StatusOr<Element> ParseJson(absl::string_view text, simdjson::dom::parser& parser) {
  RETURN_IF_ERROR(CheckJsonContainers(text));
  Element root;
  // The parser copies the text into its own padded buffer.
  if (const simdjson::error_code error = parser.parse(text.data(), text.size()).get(root);
      error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is not valid JSON: ", simdjson::error_message(error)));
  }
  return root;
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
  thread_local simdjson::dom::parser reused;
  std::optional<simdjson::dom::parser> own;
  simdjson::dom::parser& parser = header <= kReusedParserMaxBytes ? reused : own.emplace();
  ASSIGN_OR_RETURN(const Element root, ParseJson(body.substr(0, header), parser));
  simdjson::dom::object j;
  if (root.get_object().get(j) != simdjson::SUCCESS) {
    return Invalid("request", "the body must be a JSON object");
  }
  HttpInferRequest r;
  r.request.set_model_name(std::string(model_name));
  if (!model_version.empty()) r.request.set_model_version(std::string(model_version));
  if (const std::optional<Element> id = Member(j, "id")) {
    if (!id->is_string()) return Invalid("request", "\"id\" must be a string");
    r.request.set_id(std::string(std::string_view(*id)));
  }
  if (const std::optional<Element> p = Member(j, "parameters")) {
    RETURN_IF_ERROR(ParametersFromJson(*p, "request", r.request.mutable_parameters()));
    auto b = r.request.parameters().find("binary_data_output");
    r.binary_output_all = b != r.request.parameters().end() && b->second.bool_param();
  }
  const std::optional<Element> inputs = Member(j, "inputs");
  if (!inputs.has_value() || !inputs->is_array()) {
    return Invalid("request", "needs an \"inputs\" array");
  }
  size_t offset = 0;
  std::vector<std::optional<std::string>> raws;
  size_t i = 0;
  for (const Element input : simdjson::dom::array(*inputs)) {
    raws.emplace_back();
    RETURN_IF_ERROR(ParseInput(input, i++, binary, &offset, r.request.add_inputs(), &raws.back()));
  }
  if (offset != binary.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the body has ", binary.size(),
                                                   " bytes after the JSON header but the inputs' "
                                                   "binary_data_size add up to ",
                                                   offset));
  }
  if (offset > 0) {  // the protocol message carries all inputs raw, or none
    for (int k = 0; k < r.request.inputs_size(); ++k) {
      auto* input = r.request.mutable_inputs(k);
      r.request.add_raw_input_contents(raws[k].has_value() ? *raws[k]
                                                           : ContentsToRaw(input->contents()));
      input->clear_contents();
    }
  }
  if (const std::optional<Element> outputs = Member(j, "outputs")) {
    RETURN_IF_ERROR(ParseOutputs(*outputs, &r));
  }
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
