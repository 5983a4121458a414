#include "api/access_service.h"

#include "absl/strings/str_cat.h"
#include "api/caller.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::api {

absl::Status ReloadQuotas(store::MetadataStore& store, auth::TenantQuotas& quotas) {
  ASSIGN_OR_RETURN(std::vector<v1::TenantRecord> tenants, store.ListTenants());
  quotas.Set(tenants);
  return absl::OkStatus();
}

AccessService::AccessService(auth::Authenticator* authenticator, auth::TenantQuotas* quotas,
                             store::MetadataStore* store)
    : authenticator_(authenticator), quotas_(quotas), store_(store) {}

absl::Status AccessService::CheckAdmin(const grpc::ServerContext& context) {
  if (authenticator_ == nullptr) {
    return absl::FailedPreconditionError(
        "authentication is off on this master, so keys and quotas mean nothing; start it with "
        "--require-api-keys (infaas up does)");
  }
  return CallerOf(context, authenticator_, auth::Action::kManageAccess).status();
}

grpc::Status AccessService::CreateApiKey(grpc::ServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreateApiKeyResponse* response) {
  if (absl::Status s = CheckAdmin(*context); !s.ok()) return ToGrpcStatus(s);
  std::optional<auth::Role> role = auth::ParseRole(request->role());
  if (!role.has_value()) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "role \"", request->role().substr(0, 32), "\" is not admin, user or metrics")));
  }
  absl::StatusOr<auth::MintedKey> minted =
      authenticator_->CreateKey(request->tenant(), *role, request->description());
  if (!minted.ok()) return ToGrpcStatus(minted.status());
  LogInfo("API key created", {{"key", minted->record.id()},
                              {"tenant", minted->record.tenant()},
                              {"role", minted->record.role()}});
  response->set_key(minted->token);
  *response->mutable_record() = minted->record;
  response->mutable_record()->clear_sha256();
  return grpc::Status::OK;
}

grpc::Status AccessService::ListApiKeys(grpc::ServerContext* context,
                                        const v1::ListApiKeysRequest* /*request*/,
                                        v1::ListApiKeysResponse* response) {
  if (absl::Status s = CheckAdmin(*context); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::vector<v1::ApiKeyRecord>> keys = authenticator_->ListKeys();
  if (!keys.ok()) return ToGrpcStatus(keys.status());
  for (v1::ApiKeyRecord& k : *keys) *response->add_keys() = std::move(k);
  return grpc::Status::OK;
}

grpc::Status AccessService::RevokeApiKey(grpc::ServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::RevokeApiKeyResponse* /*response*/) {
  if (absl::Status s = CheckAdmin(*context); !s.ok()) return ToGrpcStatus(s);
  if (absl::Status s = authenticator_->RevokeKey(request->id()); !s.ok()) return ToGrpcStatus(s);
  LogInfo("API key revoked", {{"key", request->id()}});
  return grpc::Status::OK;
}

grpc::Status AccessService::SetTenantQuota(grpc::ServerContext* context,
                                           const v1::TenantRecord* request,
                                           v1::TenantRecord* response) {
  if (absl::Status s = CheckAdmin(*context); !s.ok()) return ToGrpcStatus(s);
  if (absl::Status s = store_->PutTenant(*request); !s.ok()) return ToGrpcStatus(s);
  if (absl::Status s = ReloadQuotas(*store_, *quotas_); !s.ok()) return ToGrpcStatus(s);
  LogInfo("tenant quota set",
          {{"tenant", request->name()},
           {"max_queries_per_second", absl::StrCat(request->max_queries_per_second())},
           {"max_in_flight", absl::StrCat(request->max_in_flight())}});
  *response = *request;
  return grpc::Status::OK;
}

grpc::Status AccessService::ListTenants(grpc::ServerContext* context,
                                        const v1::ListTenantsRequest* /*request*/,
                                        v1::ListTenantsResponse* response) {
  if (absl::Status s = CheckAdmin(*context); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::vector<v1::TenantRecord>> tenants = store_->ListTenants();
  if (!tenants.ok()) return ToGrpcStatus(tenants.status());
  for (v1::TenantRecord& t : *tenants) *response->add_tenants() = std::move(t);
  return grpc::Status::OK;
}

}  // namespace infaas::api
