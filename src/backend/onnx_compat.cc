#include "backend/onnx_compat.h"

#include <onnx/onnx_pb.h>

#include <climits>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infaas::backend {
namespace {

absl::StatusOr<onnx::ModelProto> ParseModel(absl::string_view bytes) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file (", bytes.size(), " bytes) is not an ONNX model (onnx.ModelProto with a graph)"));
  }
  return model;
}

int64_t DefaultOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") return id.version();
  }
  return 0;
}

std::string NodeName(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? absl::StrCat("#", index) : node.name();
}

absl::Status CheckDomains(const onnx::GraphProto& graph, int64_t opset) {
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      return absl::InvalidArgumentError(absl::StrCat(
          "ONNX operator ", node.op_type(), " (node \"", NodeName(node, i), "\", domain \"",
          node.domain(), "\", opset ", opset,
          ") is not a standard ai.onnx operator; the ONNX backend (OpenCV 4.6 DNN) runs "
          "standard operators only: export without custom operators"));
    }
  }
  return absl::OkStatus();
}

// Every name a node inside a subgraph (If/Loop/Scan bodies, at any depth)
// reads: such names must survive folding and pruning.
void CollectSubgraphInputs(const onnx::GraphProto& graph, absl::flat_hash_set<std::string>& names,
                           bool inside) {
  for (const onnx::NodeProto& node : graph.node()) {
    if (inside) {
      for (const std::string& input : node.input()) names.insert(input);
    }
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g()) CollectSubgraphInputs(attr.g(), names, true);
      for (const onnx::GraphProto& g : attr.graphs()) CollectSubgraphInputs(g, names, true);
    }
  }
}

// 1. Constant nodes with a tensor value become initializers.
int ConstantsToInitializers(onnx::GraphProto& graph) {
  int moved = 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    const bool tensor_constant = node.op_type() == "Constant" && node.domain().empty() &&
                                 node.output_size() == 1 && node.attribute_size() == 1 &&
                                 node.attribute(0).name() == "value" && node.attribute(0).has_t();
    if (!tensor_constant) {
      *kept.Add() = std::move(node);
      continue;
    }
    onnx::TensorProto* init = graph.add_initializer();
    *init = std::move(*node.mutable_attribute(0)->mutable_t());
    init->set_name(node.output(0));
    ++moved;
  }
  graph.mutable_node()->Swap(&kept);
  return moved;
}

// 2. Identity nodes folded into their consumers, except those whose output
// a graph output or a subgraph (`keep`) names. Returns how many.
int FoldIdentities(onnx::GraphProto& graph, const absl::flat_hash_set<std::string>& keep) {
  absl::flat_hash_set<std::string> graph_outputs = keep;
  for (const onnx::ValueInfoProto& o : graph.output()) graph_outputs.insert(o.name());
  absl::flat_hash_map<std::string, std::string> source_of;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  auto resolve = [&](std::string name) {
    // Chains resolve in order: a source is recorded already resolved.
    auto it = source_of.find(name);
    return it == source_of.end() ? name : it->second;
  };
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    for (std::string& input : *node.mutable_input()) {
      if (!input.empty()) input = resolve(input);
    }
    const bool foldable = node.op_type() == "Identity" && node.domain().empty() &&
                          node.input_size() == 1 && node.output_size() == 1 &&
                          !node.input(0).empty() && !node.output(0).empty() &&
                          !graph_outputs.contains(node.output(0));
    if (foldable) {
      source_of[node.output(0)] = node.input(0);
    } else {
      *kept.Add() = std::move(node);
    }
  }
  const int folded = graph.node_size() - kept.size();
  graph.mutable_node()->Swap(&kept);
  return folded;
}

// The single float value of a scalar initializer, or nullopt.
std::optional<float> ScalarValue(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::FLOAT || !t.external_data().empty()) return std::nullopt;
  for (int64_t d : t.dims()) {
    if (d != 1) return std::nullopt;  // a scalar, or [1], [1,1] ...
  }
  if (t.float_data_size() == 1) return t.float_data(0);
  if (t.raw_data().size() == sizeof(float)) {
    float v;
    std::memcpy(&v, t.raw_data().data(), sizeof v);
    return v;
  }
  return std::nullopt;
}

// 3. Clip bounds from constant inputs to attributes. Returns how many.
absl::StatusOr<int> ClipBoundsToAttributes(onnx::GraphProto& graph, int64_t opset) {
  absl::flat_hash_map<std::string, const onnx::TensorProto*> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) initializers[t.name()] = &t;
  int rewritten = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto& node = *graph.mutable_node(i);
    if (node.op_type() != "Clip" || node.input_size() <= 1) continue;
    constexpr const char* kBounds[] = {"", "min", "max"};
    if (node.input_size() > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("ONNX operator Clip (node \"", NodeName(node, i), "\", opset ", opset,
                       ") has ", node.input_size(), " inputs; Clip takes at most 3"));
    }
    for (int k = 1; k < node.input_size(); ++k) {
      if (node.input(k).empty()) continue;  // an absent optional input
      auto it = initializers.find(node.input(k));
      if (it == initializers.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ONNX operator Clip (node \"", NodeName(node, i), "\", opset ", opset, ") takes its ",
            kBounds[k], " from \"", node.input(k),
            "\", which is computed at run time; the ONNX backend (OpenCV 4.6 DNN) needs "
            "constant Clip bounds (export with constant folding)"));
      }
      const std::optional<float> value = ScalarValue(*it->second);
      if (!value.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ONNX operator Clip (node \"", NodeName(node, i), "\", opset ", opset, ") takes its ",
            kBounds[k], " from \"", node.input(k),
            "\", which is not a float32 scalar; the ONNX backend (OpenCV 4.6 DNN) needs "
            "float32 Clip bounds"));
      }
      onnx::AttributeProto* attr = node.add_attribute();
      attr->set_name(kBounds[k]);
      attr->set_type(onnx::AttributeProto::FLOAT);
      attr->set_f(*value);
    }
    node.mutable_input()->DeleteSubrange(1, node.input_size() - 1);
    ++rewritten;
  }
  return rewritten;
}

// Initializers that no node reads (here or in a subgraph, `keep`) and that
// are not graph outputs.
int DropUnusedInitializers(onnx::GraphProto& graph, const absl::flat_hash_set<std::string>& keep) {
  absl::flat_hash_set<std::string> used = keep;
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& input : node.input()) used.insert(input);
  }
  for (const onnx::ValueInfoProto& o : graph.output()) used.insert(o.name());
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  absl::flat_hash_set<std::string> dropped_names;
  for (onnx::TensorProto& t : *graph.mutable_initializer()) {
    if (used.contains(t.name())) {
      *kept.Add() = std::move(t);
    } else {
      dropped_names.insert(t.name());
    }
  }
  const int dropped = graph.initializer_size() - kept.size();
  graph.mutable_initializer()->Swap(&kept);
  // Older exporters also list initializers as graph inputs.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
  for (onnx::ValueInfoProto& in : *graph.mutable_input()) {
    if (!dropped_names.contains(in.name())) *inputs.Add() = std::move(in);
  }
  graph.mutable_input()->Swap(&inputs);
  return dropped;
}

std::string Plural(int n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

OnnxTensorInfo InfoOf(const onnx::ValueInfoProto& value) {
  OnnxTensorInfo info{.name = value.name(), .dims = {}};
  if (!value.type().has_tensor_type() || !value.type().tensor_type().has_shape()) return info;
  for (const onnx::TensorShapeProto::Dimension& d : value.type().tensor_type().shape().dim()) {
    info.dims.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
  }
  return info;
}

}  // namespace

absl::StatusOr<OnnxRewrite> RewriteOnnxForOpenCv(absl::string_view model_bytes) {
  absl::StatusOr<onnx::ModelProto> parsed = ParseModel(model_bytes);
  if (!parsed.ok()) return parsed.status();
  onnx::ModelProto& model = *parsed;
  OnnxRewrite rewrite;
  rewrite.opset = DefaultOpset(model);
  onnx::GraphProto& graph = *model.mutable_graph();
  if (absl::Status s = CheckDomains(graph, rewrite.opset); !s.ok()) return s;

  absl::flat_hash_set<std::string> read_by_subgraphs;
  CollectSubgraphInputs(graph, read_by_subgraphs, false);
  const int constants = ConstantsToInitializers(graph);
  const int identities = FoldIdentities(graph, read_by_subgraphs);
  absl::StatusOr<int> clips = ClipBoundsToAttributes(graph, rewrite.opset);
  if (!clips.ok()) return clips.status();
  if (constants + identities + *clips == 0) return rewrite;
  const int dropped = DropUnusedInitializers(graph, read_by_subgraphs);

  if (constants > 0) {
    rewrite.changes.push_back(
        absl::StrCat(Plural(constants, "Constant node", "Constant nodes"), " to initializers"));
  }
  if (identities > 0) {
    rewrite.changes.push_back(
        absl::StrCat("folded ", Plural(identities, "Identity node", "Identity nodes")));
  }
  if (*clips > 0) {
    rewrite.changes.push_back(absl::StrCat(Plural(*clips, "Clip node", "Clip nodes"),
                                           ": constant min/max inputs to attributes"));
  }
  if (dropped > 0) {
    rewrite.changes.push_back(
        absl::StrCat("dropped ", Plural(dropped, "unused initializer", "unused initializers")));
  }
  if (!model.SerializeToString(&rewrite.model_bytes)) {
    return absl::InternalError("the rewritten ONNX model could not be serialised");
  }
  return rewrite;
}

absl::StatusOr<OnnxSignature> OnnxSignatureOf(absl::string_view model_bytes) {
  absl::StatusOr<onnx::ModelProto> model = ParseModel(model_bytes);
  if (!model.ok()) return model.status();
  OnnxSignature signature;
  signature.opset = DefaultOpset(*model);
  absl::flat_hash_set<std::string> initializers;
  for (const onnx::TensorProto& t : model->graph().initializer()) initializers.insert(t.name());
  for (const onnx::ValueInfoProto& in : model->graph().input()) {
    if (!initializers.contains(in.name())) signature.inputs.push_back(InfoOf(in));
  }
  for (const onnx::ValueInfoProto& out : model->graph().output()) {
    signature.outputs.push_back(InfoOf(out));
  }
  return signature;
}

std::string DescribeUnsupportedOnnxNode(absl::string_view opencv_error, int64_t opset) {
  // OpenCV 4.6: "Node [Foo@ai.onnx]:(node_name) parse error: ..."
  const size_t start = opencv_error.find("Node [");
  if (start == absl::string_view::npos) return "";
  const size_t at = opencv_error.find('@', start);
  const size_t close = opencv_error.find("]:(", start);
  if (at == absl::string_view::npos || close == absl::string_view::npos || at > close) return "";
  const size_t name_end = opencv_error.find(')', close);
  if (name_end == absl::string_view::npos) return "";
  const absl::string_view op = opencv_error.substr(start + 6, at - start - 6);
  const absl::string_view node = opencv_error.substr(close + 3, name_end - close - 3);
  return absl::StrCat("ONNX operator ", op, " (node \"", node, "\", opset ", opset,
                      ") is not supported by the ONNX backend (OpenCV 4.6 DNN) in this form");
}

}  // namespace infaas::backend
