#pragma once

// AccessService: infaas.v1.Access, the admin's management of API keys and
// tenants' quotas (`infaas keys ...`, `infaas tenants ...`). Every method
// needs an admin key. A new key's secret is returned once and never stored.
// A quota applies on this master at once, and on others sharing the store
// at their next reload.
//
// Thread-safe. Owned by the master; outlives the grpc::Server.

#include "auth/authenticator.h"
#include "auth/tenant_quotas.h"
#include "infaas/v1/api.grpc.pb.h"
#include "store/metadata_store.h"

namespace infaas::api {

class AccessService final : public v1::Access::Service {
 public:
  // `authenticator` null: authentication is off, and every method says how
  // to turn it on.
  AccessService(auth::Authenticator* authenticator, auth::TenantQuotas* quotas,
                store::MetadataStore* store);

  grpc::Status CreateApiKey(grpc::ServerContext* context, const v1::CreateApiKeyRequest* request,
                            v1::CreateApiKeyResponse* response) override;
  grpc::Status ListApiKeys(grpc::ServerContext* context, const v1::ListApiKeysRequest* request,
                           v1::ListApiKeysResponse* response) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* context, const v1::RevokeApiKeyRequest* request,
                            v1::RevokeApiKeyResponse* response) override;
  grpc::Status SetTenantQuota(grpc::ServerContext* context, const v1::TenantRecord* request,
                              v1::TenantRecord* response) override;
  grpc::Status ListTenants(grpc::ServerContext* context, const v1::ListTenantsRequest* request,
                           v1::ListTenantsResponse* response) override;

 private:
  // OK for an admin; the reason otherwise (or that authentication is off).
  absl::Status CheckAdmin(const grpc::ServerContext& context);

  auth::Authenticator* const authenticator_;
  auth::TenantQuotas* const quotas_;
  store::MetadataStore* const store_;
};

// Reads every tenant's quota from the store into `quotas`.
absl::Status ReloadQuotas(store::MetadataStore& store, auth::TenantQuotas& quotas);

}  // namespace infaas::api
