#include "kserve/infer_translation.h"

#include <cstring>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backend/tensor.h"
#include "common/status_macros.h"
#include "controller/query_router.h"

namespace infaas::kserve {
namespace {

using InputTensor = inference::ModelInferRequest::InferInputTensor;

std::string Quoted(const std::set<std::string>& names) {
  return absl::StrCat("\"", absl::StrJoin(names, "\" or \""), "\"");
}

std::set<std::string> InputNames(const ResolvedModel& model) {
  std::set<std::string> names;
  for (const v1::VariantRecord* v : model.variants) names.insert(v->config().input().name());
  return names;
}

std::set<std::string> OutputNames(const ResolvedModel& model) {
  std::set<std::string> names;
  for (const v1::VariantRecord* v : model.variants) names.insert(v->config().output().name());
  return names;
}

// What the model accepts, for error messages.
std::string Accepted(const ResolvedModel& model) {
  std::vector<int64_t> shape = {-1};
  const auto& dims = model.variants.front()->config().input().dims();
  shape.insert(shape.end(), dims.begin(), dims.end());
  return absl::StrCat("model \"", model.name, "\" takes one input ", Quoted(InputNames(model)),
                      ": FP32 ", backend::ShapeToString(shape),
                      " (-1: any batch) or BYTES [-1] encoded PNG/JPEG images");
}

absl::StatusOr<double> NumberOf(const std::string& name, const inference::InferParameter& p) {
  switch (p.parameter_choice_case()) {
    case inference::InferParameter::kDoubleParam:
      return p.double_param();
    case inference::InferParameter::kInt64Param:
      return static_cast<double>(p.int64_param());
    case inference::InferParameter::kUint64Param:
      return static_cast<double>(p.uint64_param());
    default:
      return absl::InvalidArgumentError(absl::StrCat("parameter \"", name, "\" must be a number"));
  }
}

absl::StatusOr<int64_t> IntegerOf(const std::string& name, const inference::InferParameter& p) {
  if (p.has_int64_param()) return p.int64_param();
  if (p.has_uint64_param()) return static_cast<int64_t>(p.uint64_param());
  return absl::InvalidArgumentError(absl::StrCat("parameter \"", name, "\" must be an integer"));
}

// Splits raw BYTES contents (each element: 4-byte little-endian length,
// then the bytes) into exactly `count` elements.
absl::StatusOr<std::vector<std::string>> SplitRawBytes(const std::string& tensor,
                                                       const std::string& raw, int64_t count) {
  std::vector<std::string> elements;
  size_t at = 0;
  while (at < raw.size()) {
    uint32_t length = 0;
    if (raw.size() - at < 4) break;
    for (int i = 0; i < 4; ++i)
      length |= static_cast<uint32_t>(static_cast<uint8_t>(raw[at + i])) << (8 * i);
    at += 4;
    if (raw.size() - at < length) {
      return absl::InvalidArgumentError(
          absl::StrCat("input \"", tensor, "\": raw BYTES element ", elements.size(), " declares ",
                       length, " bytes but only ", raw.size() - at, " remain"));
    }
    elements.push_back(raw.substr(at, length));
    at += length;
  }
  if (at != raw.size() || static_cast<int64_t>(elements.size()) != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("input \"", tensor, "\": raw BYTES contents hold ", elements.size(),
                     " length-prefixed elements", at != raw.size() ? " and stray bytes" : "",
                     "; the shape asks for ", count));
  }
  return elements;
}

// The FP32 values of `input`, from contents or raw bytes; `count` expected.
absl::StatusOr<std::vector<float>> Fp32Values(const InputTensor& input, const std::string* raw,
                                              int64_t count, const std::string& shape) {
  if (raw != nullptr) {
    if (static_cast<int64_t>(raw->size()) != count * 4) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input \"", input.name(), "\": shape ", shape, " holds ", count, " FP32 values (",
          count * 4, " bytes); the raw contents have ", raw->size(), " bytes"));
    }
    std::vector<float> values(count);
    std::memcpy(values.data(), raw->data(), raw->size());  // little-endian hosts only
    return values;
  }
  const inference::InferTensorContents& c = input.contents();
  if (c.int_contents_size() + c.int64_contents_size() + c.uint_contents_size() +
          c.uint64_contents_size() + c.fp64_contents_size() + c.bytes_contents_size() +
          c.bool_contents_size() >
      0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input \"", input.name(), "\" is FP32 but its contents are not in fp32_contents"));
  }
  if (c.fp32_contents_size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("input \"", input.name(), "\": shape ", shape, " holds ", count,
                     " FP32 values; the request has ", c.fp32_contents_size()));
  }
  return std::vector<float>(c.fp32_contents().begin(), c.fp32_contents().end());
}

// Whether one example of `dims` fits some variant's input (-1 matches any size).
bool MatchesSomeInput(const ResolvedModel& model, const std::vector<int64_t>& dims) {
  for (const v1::VariantRecord* v : model.variants) {
    const auto& want = v->config().input().dims();
    if (want.size() != static_cast<int>(dims.size())) continue;
    bool match = true;
    for (size_t i = 0; i < dims.size(); ++i) match = match && (want[i] < 0 || want[i] == dims[i]);
    if (match) return true;
  }
  return false;
}

absl::Status AddFp32Inputs(const InputTensor& input, const std::string* raw,
                           const ResolvedModel& model, v1::QueryOnlineRequest* query) {
  const std::string shape = backend::ShapeToString(input.shape());
  if (input.shape_size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("input \"", input.name(), "\": FP32 shape ", shape,
                     " needs a batch dimension first, then the example's dimensions"));
  }
  const std::vector<int64_t> example(input.shape().begin() + 1, input.shape().end());
  if (!MatchesSomeInput(model, example)) {
    return absl::InvalidArgumentError(absl::StrCat("input \"", input.name(), "\": FP32 shape ",
                                                   shape, " does not fit; ", Accepted(model)));
  }
  const int64_t count = backend::NumElementsOf(input.shape());
  ASSIGN_OR_RETURN(std::vector<float> values, Fp32Values(input, raw, count, shape));
  const int64_t examples = input.shape(0);
  const int64_t per_example = examples == 0 ? 0 : count / examples;
  for (int64_t i = 0; i < examples; ++i) {
    query->add_inputs()->set_raw_fp32(
        reinterpret_cast<const char*>(values.data() + i * per_example),
        per_example * sizeof(float));
  }
  query->mutable_input_dims()->Assign(input.shape().begin() + 1, input.shape().end());
  return absl::OkStatus();
}

absl::Status AddImageInputs(const InputTensor& input, const std::string* raw,
                            v1::QueryOnlineRequest* query) {
  const bool vector = input.shape_size() == 1 || (input.shape_size() == 2 && input.shape(1) == 1);
  if (!vector) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input \"", input.name(), "\": BYTES shape ", backend::ShapeToString(input.shape()),
        " must be [N] or [N,1]: one encoded image each"));
  }
  const int64_t count = input.shape(0);
  std::vector<std::string> images;
  if (raw != nullptr) {
    ASSIGN_OR_RETURN(images, SplitRawBytes(input.name(), *raw, count));
  } else if (input.contents().bytes_contents_size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("input \"", input.name(), "\": shape ", backend::ShapeToString(input.shape()),
                     " holds ", count, " images; the request has ",
                     input.contents().bytes_contents_size(), " in bytes_contents"));
  } else {
    images.assign(input.contents().bytes_contents().begin(),
                  input.contents().bytes_contents().end());
  }
  for (std::string& image : images) query->add_inputs()->set_encoded_image(std::move(image));
  return absl::OkStatus();
}

absl::Status CheckRequestedOutputs(const inference::ModelInferRequest& request,
                                   const ResolvedModel& model) {
  const std::set<std::string> names = OutputNames(model);
  for (const auto& out : request.outputs()) {
    if (names.count(out.name()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("model \"", model.name, "\" has no output \"",
                                                     out.name(), "\"; it has ", Quoted(names)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InferOptions> ParseInferOptions(const ParameterMap& parameters) {
  InferOptions o;
  for (const auto& [name, value] : parameters) {
    if (name == "latency_ms") {
      ASSIGN_OR_RETURN(o.latency_ms, NumberOf(name, value));
      if (!(o.latency_ms > 0)) {
        return absl::InvalidArgumentError("parameter \"latency_ms\" must be > 0 (milliseconds)");
      }
    } else if (name == "min_accuracy") {
      ASSIGN_OR_RETURN(o.min_accuracy_percent, NumberOf(name, value));
      if (!(o.min_accuracy_percent >= 0 && o.min_accuracy_percent <= 100)) {
        return absl::InvalidArgumentError(
            "parameter \"min_accuracy\" is a percentage: between 0 and 100");
      }
    } else if (name == "priority") {
      ASSIGN_OR_RETURN(o.priority, IntegerOf(name, value));
      if (o.priority < 0) return absl::InvalidArgumentError("parameter \"priority\" must be >= 0");
    } else if (name == "timeout") {
      ASSIGN_OR_RETURN(int64_t micros, IntegerOf(name, value));
      if (micros <= 0) {
        return absl::InvalidArgumentError("parameter \"timeout\" must be > 0 (microseconds)");
      }
      o.budget = absl::Microseconds(micros);
    }
  }
  return o;
}

absl::StatusOr<v1::QueryOnlineRequest> ToQuery(const inference::ModelInferRequest& request,
                                               const ResolvedModel& model,
                                               const InferOptions& options) {
  if (request.inputs_size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(Accepted(model), "; the request has ", request.inputs_size(), " inputs"));
  }
  const InputTensor& input = request.inputs(0);
  if (InputNames(model).count(input.name()) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Accepted(model), "; the request names it \"", input.name(), "\""));
  }
  // The shape comes from outside: its element count is computed with an
  // overflow check and capped before anything multiplies or allocates with it.
  int64_t elements = 1;
  for (int64_t d : input.shape()) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat("input \"", input.name(), "\": shape ",
                                                     backend::ShapeToString(input.shape()),
                                                     " has a negative dimension"));
    }
    if (d > 0 && elements > kMaxInputElements / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input \"", input.name(), "\": shape ", backend::ShapeToString(input.shape()),
          " holds more than ", kMaxInputElements, " elements; send fewer examples per request"));
    }
    elements *= d;
  }
  if (input.shape_size() == 0 || input.shape(0) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input \"", input.name(), "\": the first dimension is the batch and must be >= 1"));
  }
  // Before any input is built: a zero in the example's dimensions makes the
  // element count 0 whatever the batch says.
  if (input.shape(0) > kMaxInputsPerQuery) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input \"", input.name(), "\": shape ", backend::ShapeToString(input.shape()), " holds ",
        input.shape(0), " inputs; a request carries at most ", kMaxInputsPerQuery, ": split it"));
  }
  const std::string* raw = nullptr;
  if (request.raw_input_contents_size() > 0) {
    if (request.raw_input_contents_size() != 1 || input.has_contents()) {
      return absl::InvalidArgumentError(
          "raw_input_contents must hold exactly one entry per input, and then no input may set "
          "contents");
    }
    raw = &request.raw_input_contents(0);
  }
  v1::QueryOnlineRequest query;
  SetQueryForm(model, &query);
  query.set_latency_slo_ms(options.latency_ms > 0 || model.kind == ModelKind::kVariant
                               ? options.latency_ms
                               : absl::ToDoubleMilliseconds(options.budget));
  query.set_min_accuracy_percent(options.min_accuracy_percent);
  if (input.datatype() == "FP32") {
    RETURN_IF_ERROR(AddFp32Inputs(input, raw, model, &query));
  } else if (input.datatype() == "BYTES") {
    RETURN_IF_ERROR(AddImageInputs(input, raw, &query));
  } else {
    return absl::InvalidArgumentError(absl::StrCat("input \"", input.name(), "\": datatype \"",
                                                   input.datatype(), "\" is not accepted; ",
                                                   Accepted(model)));
  }
  RETURN_IF_ERROR(CheckRequestedOutputs(request, model));
  return query;
}

inference::ModelInferResponse ToInferResponse(const inference::ModelInferRequest& request,
                                              const v1::QueryOnlineResponse& answer,
                                              const v1::VariantRecord& served, bool raw_output) {
  inference::ModelInferResponse r;
  r.set_model_name(request.model_name());
  r.set_model_version(kModelVersion);
  r.set_id(request.id());
  auto& p = *r.mutable_parameters();
  p["variant"] = StringParameter(answer.variant());
  p["worker"] = StringParameter(answer.worker());
  p["predicted_latency_ms"] = DoubleParameter(answer.predicted_latency_ms());
  p["measured_latency_ms"] = DoubleParameter(answer.measured_latency_ms());
  p["queue_time_ms"] = DoubleParameter(answer.queue_time_ms());
  p["compute_time_ms"] = DoubleParameter(answer.compute_time_ms());
  p["batch_size"] = Int64Parameter(answer.batch_size());
  p["loaded"] = BoolParameter(answer.loaded());
  if (answer.latency_slo_ms() > 0) {
    p["latency_slo_ms"] = DoubleParameter(answer.latency_slo_ms());
    p["slo_missed"] = BoolParameter(answer.slo_missed());
  }

  auto* out = r.add_outputs();
  out->set_name(served.config().output().name());
  out->set_datatype("FP32");
  const int64_t per_example = answer.outputs_size() == 0 ? 0 : answer.outputs(0).values_size();
  const auto& dims = served.config().output().dims();
  out->add_shape(answer.outputs_size());
  if (backend::NumElementsOf(std::vector<int64_t>(dims.begin(), dims.end())) == per_example) {
    for (int64_t d : dims) out->add_shape(d);
  } else {
    out->add_shape(per_example);
  }
  std::vector<float> values;
  for (const v1::OutputTensor& t : answer.outputs()) {
    values.insert(values.end(), t.values().begin(), t.values().end());
  }
  if (raw_output) {
    r.add_raw_output_contents(reinterpret_cast<const char*>(values.data()),
                              values.size() * sizeof(float));
  } else {
    out->mutable_contents()->mutable_fp32_contents()->Assign(values.begin(), values.end());
  }
  return r;
}

inference::ModelMetadataResponse MetadataOf(const ResolvedModel& model) {
  inference::ModelMetadataResponse m;
  m.set_name(model.name);
  m.add_versions(kModelVersion);
  const v1::ModelConfig& config = model.variants.front()->config();
  if (model.kind != ModelKind::kVariant) {
    m.set_platform("infaas_modelless");
  } else if (config.framework() == v1::FRAMEWORK_TORCHSCRIPT) {
    m.set_platform("pytorch_torchscript");
  } else if (config.framework() == v1::FRAMEWORK_ONNX) {
    m.set_platform("onnx_onnxv1");
  } else {
    m.set_platform(absl::AsciiStrToLower(v1::Framework_Name(config.framework())));
  }
  for (const auto* spec : {&config.input(), &config.output()}) {
    auto* t = spec == &config.input() ? m.add_inputs() : m.add_outputs();
    t->set_name(spec->name());
    t->set_datatype("FP32");
    t->add_shape(-1);
    for (int64_t d : spec->dims()) t->add_shape(d);
  }
  auto& properties = *m.mutable_properties();
  properties["kind"] = ModelKindName(model.kind);
  std::vector<std::string> variants;
  for (const v1::VariantRecord* v : model.variants) variants.push_back(v->config().name());
  properties["variants"] = absl::StrJoin(variants, ",");
  properties["images"] = absl::StrCat("input ", config.input().name(),
                                      " also takes BYTES [-1]: encoded PNG/JPEG images");
  return m;
}

inference::InferParameter DoubleParameter(double value) {
  inference::InferParameter p;
  p.set_double_param(value);
  return p;
}

inference::InferParameter Int64Parameter(int64_t value) {
  inference::InferParameter p;
  p.set_int64_param(value);
  return p;
}

inference::InferParameter StringParameter(std::string value) {
  inference::InferParameter p;
  p.set_string_param(std::move(value));
  return p;
}

inference::InferParameter BoolParameter(bool value) {
  inference::InferParameter p;
  p.set_bool_param(value);
  return p;
}

}  // namespace infaas::kserve
