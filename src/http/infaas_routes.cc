#include "http/infaas_routes.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/retry_after.h"
#include "common/status_macros.h"
#include "http/http_status.h"
#include "http/json_limits.h"

namespace infaas::http {
namespace {

using Stub = v1::Infaas::StubInterface;

void SendError(httplib::Response& res, const absl::Status& status) {
  res.status = HttpStatusOf(status.code());
  res.set_content(ErrorBody(status.message()), kJsonType);
}

void SendMessage(httplib::Response& res, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (auto s = google::protobuf::util::MessageToJsonString(message, &out, options); !s.ok()) {
    return SendError(res, absl::InternalError(absl::StrCat("cannot write JSON: ", s.ToString())));
  }
  res.status = 200;
  res.set_content(out, kJsonType);
}

absl::Status ParseBody(const httplib::Request& req, google::protobuf::Message* message) {
  return ParseJsonBody(req.body, message);
}

// The in-process call carries the HTTP caller's key: the gRPC service checks it.
void ForwardAuthorization(const httplib::Request& req, grpc::ClientContext* context) {
  if (req.has_header("Authorization")) {
    context->AddMetadata("authorization", req.get_header_value("Authorization"));
  }
}

// A refusal's retry-after-ms trailer becomes Retry-After (whole seconds, at least 1).
void SendCallError(httplib::Response& res, const grpc::Status& status,
                   const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find(std::string(kRetryAfterMetadataKey)); it != trailers.end()) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms)) {
      res.set_header("Retry-After", std::to_string(std::max<int64_t>(1, (ms + 999) / 1000)));
    }
  }
  SendError(res, FromGrpcStatus(status));
}

// A unary call: body (or `prepare`) -> request -> stub -> JSON reply.
template <typename Request, typename Response>
httplib::Server::Handler Unary(
    std::shared_ptr<Stub> stub,
    grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&, Response*),
    std::function<void(const httplib::Request&, Request*)> prepare = nullptr) {
  return [stub, call, prepare](const httplib::Request& req, httplib::Response& res) {
    Request request;
    if (absl::Status s = ParseBody(req, &request); !s.ok()) return SendError(res, s);
    if (prepare) prepare(req, &request);
    grpc::ClientContext context;
    ForwardAuthorization(req, &context);
    Response response;
    const grpc::Status s = ((*stub).*call)(&context, request, &response);
    if (!s.ok()) return SendCallError(res, s, context);
    SendMessage(res, response);
  };
}

void Register(Stub* stub, const httplib::Request& req, httplib::Response& res) {
  v1::RegisterModelRequest request;
  if (absl::Status s = ParseBody(req, &request); !s.ok()) return SendError(res, s);
  grpc::ClientContext context;
  ForwardAuthorization(req, &context);
  std::unique_ptr<grpc::ClientReaderInterface<v1::RegisterModelProgress>> reader =
      stub->RegisterModel(&context, request);
  v1::RegisterModelProgress progress, last;
  while (reader->Read(&progress)) last = progress;
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return SendError(res, FromGrpcStatus(s));
  SendMessage(res, last);
}

}  // namespace

absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* message) {
  if (body.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(CheckJsonContainers(body));
  auto s = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message);
  if (s.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the body is not a valid ", message->GetDescriptor()->name(), " in JSON: ", s.ToString()));
}

void AddInfaasRoutes(httplib::Server* server, std::shared_ptr<Stub> stub) {
  server->Post("/v1/models", [stub](const httplib::Request& req, httplib::Response& res) {
    Register(stub.get(), req, res);
  });
  server->Get("/v1/architectures",
              Unary(stub, &Stub::ListArchitectures,
                    std::function<void(const httplib::Request&, v1::ListArchitecturesRequest*)>(
                        [](const httplib::Request& req, v1::ListArchitecturesRequest* r) {
                          if (req.has_param("task")) r->set_task(req.get_param_value("task"));
                          if (req.has_param("dataset")) {
                            r->set_dataset(req.get_param_value("dataset"));
                          }
                        })));
  server->Get(R"(/v1/architectures/([^/]+))",
              Unary(stub, &Stub::GetModelInfo,
                    std::function<void(const httplib::Request&, v1::GetModelInfoRequest*)>(
                        [](const httplib::Request& req, v1::GetModelInfoRequest* r) {
                          r->set_architecture(req.matches[1].str());
                        })));
  server->Post("/v1/query", Unary(stub, &Stub::QueryOnline));
  server->Post("/v1/offline-jobs", Unary(stub, &Stub::SubmitOfflineJob));
  server->Get("/v1/offline-jobs", Unary(stub, &Stub::ListOfflineJobs));
  const std::function<void(const httplib::Request&, v1::GetOfflineJobRequest*)> job_id =
      [](const httplib::Request& req, v1::GetOfflineJobRequest* r) {
        r->set_job_id(req.matches[1].str());
      };
  server->Get(R"(/v1/offline-jobs/([^/]+))", Unary(stub, &Stub::GetOfflineJob, job_id));
  server->Post(R"(/v1/offline-jobs/([^/]+)/cancel)", Unary(stub, &Stub::CancelOfflineJob, job_id));
  server->Get("/v1/cluster",
              Unary(stub, &Stub::GetClusterStatus,
                    std::function<void(const httplib::Request&, v1::GetClusterStatusRequest*)>(
                        [](const httplib::Request& req, v1::GetClusterStatusRequest* r) {
                          int seconds = 0;
                          if (absl::SimpleAtoi(req.get_param_value("history_seconds"), &seconds)) {
                            r->set_history_seconds(seconds);
                          }
                        })));
}

}  // namespace infaas::http
