#include "offline/result_files.h"

#include <cstring>

#include "absl/base/config.h"
#include "common/top_k.h"
#include "google/protobuf/util/json_util.h"
#include "infaas/v1/api.pb.h"

namespace infaas::offline {
namespace {

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Serialising a well-formed message does not fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string RawBytes(const std::vector<float>& values) {
  static_assert(sizeof(float) == 4);
#ifdef ABSL_IS_BIG_ENDIAN
#error "raw float32 output is written little-endian; add a byte swap for this platform"
#endif
  std::string bytes(values.size() * sizeof(float), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

std::string ResultFileContents(absl::string_view input_name, absl::string_view variant,
                               const std::vector<float>& values,
                               const std::vector<std::string>& labels, ResultFormat format) {
  if (format.raw) return RawBytes(values);
  v1::OfflineResult result;
  result.set_input(std::string(input_name));
  result.set_variant(std::string(variant));
  for (const ScoredLabel& s : TopK(values, labels, format.top_k)) {
    v1::ScoredClass* c = result.add_top();
    c->set_label(s.label);
    c->set_index(s.index);
    c->set_score(s.score);
  }
  return ToJson(result);
}

std::string SummaryFileContents(const v1::OfflineJob& job) { return ToJson(job); }

}  // namespace infaas::offline
