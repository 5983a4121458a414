#pragma once

// KServeGrpcService: the Open Inference Protocol's gRPC service,
// inference.GRPCInferenceService, on the master's gRPC port next to
// infaas.v1 — a thin adapter over kserve::InferenceFrontend, which the HTTP
// endpoints share. All methods use the callback API; ModelInfer never blocks
// a gRPC thread.
//
//   KServeGrpcService kserve(&frontend);
//   builder.RegisterService(&kserve);
//
// Outputs come back in raw_output_contents when the request sent
// raw_input_contents (as Triton's clients do), else in contents.
// ServerReady/ModelReady answer false rather than an error when not ready.
//
// Thread-safe. Owned by the master's main; outlives the grpc::Server.

#include "auth/authenticator.h"
#include "inference/grpc_service.grpc.pb.h"
#include "kserve/frontend.h"

namespace infaas::api {

// ModelInfer is a raw method: its request's repeated fields are counted
// before it is parsed (bounded_messages.h).
class KServeGrpcService final
    : public inference::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<
          inference::GRPCInferenceService::CallbackService> {
 public:
  // `authenticator` null: authentication is off. ServerLive and ServerReady
  // are open to all (health checks); the rest need a user or admin key.
  KServeGrpcService(kserve::InferenceFrontend* frontend, auth::Authenticator* authenticator);

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override;
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

 private:
  kserve::InferenceFrontend* const frontend_;
  auth::Authenticator* const authenticator_;
};

}  // namespace infaas::api
