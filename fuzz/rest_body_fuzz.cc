// Fuzzes the bodies of INFaaS's REST routes (src/http/infaas_routes): the
// JSON of each infaas.v1 request message a route accepts, and the JSON the
// server writes back for it. Input: one byte that chooses the message, then
// the body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "http/infaas_routes.h"
#include "infaas/v1/api.pb.h"

namespace {

std::unique_ptr<google::protobuf::Message> MessageFor(uint8_t choice) {
  namespace v1 = infaas::v1;
  switch (choice % 7) {
    case 0:
      return std::make_unique<v1::RegisterModelRequest>();
    case 1:
      return std::make_unique<v1::ListArchitecturesRequest>();
    case 2:
      return std::make_unique<v1::GetModelInfoRequest>();
    case 3:
      return std::make_unique<v1::QueryOnlineRequest>();
    case 4:
      return std::make_unique<v1::SubmitOfflineJobRequest>();
    case 5:
      return std::make_unique<v1::GetOfflineJobRequest>();
    default:
      return std::make_unique<v1::GetClusterStatusRequest>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::unique_ptr<google::protobuf::Message> message = MessageFor(data[0]);
  const absl::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!infaas::http::ParseJsonBody(body, message.get()).ok()) return 0;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(*message, &out, options);
  return 0;
}
