#pragma once

// INFaaS's own API over HTTP/JSON: every infaas.v1 method as a REST route,
// forwarded to the master's gRPC service through an in-process channel, so
// HTTP answers exactly what gRPC answers (offline jobs included, once the
// master serves them). Bodies are the infaas.v1 messages in protobuf's JSON
// mapping with the proto's field names (bytes as base64):
//
//   POST /v1/models                        RegisterModel (waits; returns the
//                                          last progress message, with the variants)
//   GET  /v1/architectures?task=&dataset=  ListArchitectures (infaas modarch)
//   GET  /v1/architectures/{architecture}  GetModelInfo (infaas modinfo)
//   POST /v1/query                         QueryOnline
//   POST /v1/offline-jobs                  SubmitOfflineJob
//   GET  /v1/offline-jobs                  ListOfflineJobs
//   GET  /v1/offline-jobs/{id}             GetOfflineJob
//   POST /v1/offline-jobs/{id}/cancel      CancelOfflineJob
//   GET  /v1/cluster                       GetClusterStatus
//
// Errors: the gRPC status as an HTTP status (http_status.h) and
// {"error": "..."}; a body that does not parse is 400 naming the field.
//
//   AddInfaasRoutes(&server, v1::Infaas::NewStub(grpc_server->InProcessChannel({})));
//
// The stub is shared by the server's threads (stubs are thread-safe).

#include <httplib.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "infaas/v1/api.grpc.pb.h"

namespace infaas::http {

// Fills `message` from a request body in protobuf's JSON mapping; an empty
// body leaves it as it is. InvalidArgument naming the message and the
// parser's complaint. (What every route does with its body.)
absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* message);

void AddInfaasRoutes(httplib::Server* server, std::shared_ptr<v1::Infaas::StubInterface> stub);

}  // namespace infaas::http
