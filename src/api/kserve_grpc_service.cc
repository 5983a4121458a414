#include "api/kserve_grpc_service.h"

#include "api/bounded_messages.h"
#include "api/caller.h"
#include "common/grpc_status.h"

namespace infaas::api {
namespace {

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const absl::Status& s) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  if (context.deadline() == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(context.deadline());
}

}  // namespace

KServeGrpcService::KServeGrpcService(kserve::InferenceFrontend* frontend,
                                     auth::Authenticator* authenticator)
    : frontend_(frontend), authenticator_(authenticator) {}

grpc::ServerUnaryReactor* KServeGrpcService::ServerLive(grpc::CallbackServerContext* context,
                                                        const inference::ServerLiveRequest*,
                                                        inference::ServerLiveResponse* response) {
  response->set_live(true);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* KServeGrpcService::ServerReady(grpc::CallbackServerContext* context,
                                                         const inference::ServerReadyRequest*,
                                                         inference::ServerReadyResponse* response) {
  response->set_ready(frontend_->ServerReady().ok());
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* KServeGrpcService::ModelReady(grpc::CallbackServerContext* context,
                                                        const inference::ModelReadyRequest* request,
                                                        inference::ModelReadyResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, authenticator_, auth::Action::kReadCatalogue);
  if (!caller.ok()) return Finish(context, caller.status());
  const absl::Status s = frontend_->ModelReady(*caller, request->name(), request->version());
  response->set_ready(s.ok());
  return Finish(context, absl::IsUnavailable(s) ? absl::OkStatus() : s);
}

grpc::ServerUnaryReactor* KServeGrpcService::ServerMetadata(
    grpc::CallbackServerContext* context, const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, authenticator_, auth::Action::kReadCatalogue);
  if (!caller.ok()) return Finish(context, caller.status());
  *response = frontend_->ServerMetadata();
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* KServeGrpcService::ModelMetadata(
    grpc::CallbackServerContext* context, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, authenticator_, auth::Action::kReadCatalogue);
  if (!caller.ok()) return Finish(context, caller.status());
  absl::StatusOr<inference::ModelMetadataResponse> m =
      frontend_->ModelMetadata(*caller, request->name(), request->version());
  if (m.ok()) *response = *std::move(m);
  return Finish(context, m.status());
}

grpc::ServerUnaryReactor* KServeGrpcService::ModelInfer(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  absl::StatusOr<auth::Principal> caller = CallerOf(*context, authenticator_, auth::Action::kQuery);
  if (!caller.ok()) return Finish(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  inference::ModelInferRequest infer;
  if (absl::Status parsed = ParseWithinLimits(*request, ModelInferLimits(), &infer); !parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  const bool raw_output = infer.raw_input_contents_size() > 0;
  frontend_->Infer(*caller, infer, DeadlineOf(*context), raw_output,
                   [reactor, response](absl::StatusOr<inference::ModelInferResponse> r) {
                     if (r.ok()) *response = ToByteBuffer(*r);
                     reactor->Finish(ToGrpcStatus(r.status()));
                   });
  return reactor;
}

}  // namespace infaas::api
