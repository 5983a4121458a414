// infaas keys create|list|revoke and infaas tenants quota|list: an admin's
// management of API keys and tenants' quotas through the master.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "cli/text_table.h"

namespace infaas::cli {
namespace {

struct KeysFlags {
  std::string master;
  std::string tenant;
  std::string role = "user";
  std::string description;
  std::string id;
};

struct TenantsFlags {
  std::string master;
  std::string tenant;
  double qps = 0;
  int in_flight = 0;
};

absl::Status CreateKey(const KeysFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::CreateApiKeyRequest request;
  request.set_tenant(flags.tenant);
  request.set_role(flags.role);
  request.set_description(flags.description);
  v1::CreateApiKeyResponse response;
  if (grpc::Status s = master.access().CreateApiKey(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  // The key alone on stdout, for scripts; what it is on stderr.
  std::cerr << "key " << response.record().id() << " for tenant " << response.record().tenant()
            << ", role " << response.record().role()
            << "; it is shown once: keep it (send it as 'authorization: Bearer KEY', or set "
               "INFAAS_API_KEY)\n";
  std::cout << response.key() << "\n";
  return absl::OkStatus();
}

absl::Status ListKeys(const KeysFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::ListApiKeysResponse response;
  if (grpc::Status s = master.access().ListApiKeys(&context, {}, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "TENANT", "ROLE", "CREATED", "DESCRIPTION"}};
  for (const v1::ApiKeyRecord& k : response.keys()) {
    rows.push_back({k.id(), k.tenant(), k.role(),
                    absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(k.created_at_unix_ms()),
                                     absl::UTCTimeZone()),
                    k.description()});
  }
  std::cout << FormatTextTable(rows, "LLLLL");
  return absl::OkStatus();
}

absl::Status RevokeKey(const KeysFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::RevokeApiKeyRequest request;
  request.set_id(flags.id);
  v1::RevokeApiKeyResponse response;
  if (grpc::Status s = master.access().RevokeApiKey(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << "revoked key " << flags.id << "\n";
  return absl::OkStatus();
}

absl::Status SetQuota(const TenantsFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::TenantRecord request, response;
  request.set_name(flags.tenant);
  request.set_max_queries_per_second(flags.qps);
  request.set_max_in_flight(flags.in_flight);
  if (grpc::Status s = master.access().SetTenantQuota(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << "tenant " << response.name() << ": "
            << (response.max_queries_per_second() > 0
                    ? absl::StrCat(response.max_queries_per_second(), " queries/s")
                    : "no limit on queries/s")
            << ", "
            << (response.max_in_flight() > 0 ? absl::StrCat(response.max_in_flight(), " in flight")
                                             : "no limit in flight")
            << "\n";
  return absl::OkStatus();
}

absl::Status ListTenants(const TenantsFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::ListTenantsResponse response;
  if (grpc::Status s = master.access().ListTenants(&context, {}, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::vector<std::vector<std::string>> rows = {{"TENANT", "QUERIES/S", "IN FLIGHT"}};
  for (const v1::TenantRecord& t : response.tenants()) {
    rows.push_back({t.name(),
                    t.max_queries_per_second() > 0 ? absl::StrCat(t.max_queries_per_second()) : "-",
                    t.max_in_flight() > 0 ? absl::StrCat(t.max_in_flight()) : "-"});
  }
  std::cout << FormatTextTable(rows, "L");
  return absl::OkStatus();
}

}  // namespace

void AddAccessCommands(CLI::App& app, int* exit_code) {
  auto keys_flags = std::make_shared<KeysFlags>();
  CLI::App* keys = app.add_subcommand(
      "keys",
      "Manage API keys (needs an admin key; see docs/security.md). A key belongs to a tenant\n"
      "and has a role: admin (everything), user (query what its tenant may see, run its\n"
      "tenant's jobs) or metrics (read /metrics). Examples:\n"
      "  infaas keys create --tenant acme --role user --description 'ci runner'\n"
      "  infaas keys list\n"
      "  infaas keys revoke 3f9a0c2e51d7");
  keys->require_subcommand(1);
  AddMasterOption(*keys, &keys_flags->master);
  CLI::App* create = keys->add_subcommand("create", "Make a key; prints it once on stdout");
  create->add_option("--tenant", keys_flags->tenant, "The tenant it belongs to")->required();
  create->add_option("--role", keys_flags->role, "admin, user or metrics")
      ->check(CLI::IsMember({"admin", "user", "metrics"}))
      ->capture_default_str();
  create->add_option("--description", keys_flags->description, "What it is for");
  create->callback([keys_flags, exit_code] {
    ReportCommandStatus("keys create", CreateKey(*keys_flags), exit_code);
  });
  keys->add_subcommand("list", "Every key's id, tenant and role (never the secret)")
      ->callback([keys_flags, exit_code] {
        ReportCommandStatus("keys list", ListKeys(*keys_flags), exit_code);
      });
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key by its id (keys list)");
  revoke->add_option("id", keys_flags->id, "The key's id")->required();
  revoke->callback([keys_flags, exit_code] {
    ReportCommandStatus("keys revoke", RevokeKey(*keys_flags), exit_code);
  });

  auto tenants_flags = std::make_shared<TenantsFlags>();
  CLI::App* tenants = app.add_subcommand(
      "tenants",
      "Tenants' quotas (needs an admin key). Over its quota, a tenant's queries are refused at\n"
      "once (RESOURCE_EXHAUSTED, HTTP 429, with a retry-after). Examples:\n"
      "  infaas tenants quota acme --qps 50 --in-flight 8\n"
      "  infaas tenants list");
  tenants->require_subcommand(1);
  AddMasterOption(*tenants, &tenants_flags->master);
  CLI::App* quota = tenants->add_subcommand("quota", "Set a tenant's quota (0: no limit)");
  quota->add_option("tenant", tenants_flags->tenant, "The tenant")->required();
  quota->add_option("--qps", tenants_flags->qps, "Queries per second, at most")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  quota->add_option("--in-flight", tenants_flags->in_flight, "Queries in flight, at most")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  quota->callback([tenants_flags, exit_code] {
    ReportCommandStatus("tenants quota", SetQuota(*tenants_flags), exit_code);
  });
  tenants->add_subcommand("list", "Every tenant with a quota")
      ->callback([tenants_flags, exit_code] {
        ReportCommandStatus("tenants list", ListTenants(*tenants_flags), exit_code);
      });
}

}  // namespace infaas::cli
