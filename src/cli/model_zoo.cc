#include "cli/model_zoo.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/remote_registration.h"
#include "common/status_macros.h"

namespace infaas::cli {

std::vector<std::filesystem::path> ZooConfigs(const std::filesystem::path& zoo) {
  std::vector<std::filesystem::path> configs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(zoo, ec)) {
    const std::filesystem::path config = entry.path() / "config.pbtxt";
    if (entry.is_directory(ec) && std::filesystem::is_regular_file(config, ec)) {
      configs.push_back(config);
    }
  }
  std::sort(configs.begin(), configs.end());
  return configs;
}

absl::StatusOr<std::filesystem::path> FindModelZoo(const std::filesystem::path& start,
                                                   absl::string_view env_override) {
  if (!env_override.empty()) {
    const std::filesystem::path zoo(std::string{env_override});
    if (ZooConfigs(zoo).empty()) {
      return absl::NotFoundError(
          absl::StrCat("INFAAS_ZOO=", env_override, " holds no <model>/config.pbtxt"));
    }
    return zoo;
  }
  for (std::filesystem::path dir = std::filesystem::absolute(start);; dir = dir.parent_path()) {
    const std::filesystem::path zoo = dir / "models" / "zoo";
    if (!ZooConfigs(zoo).empty()) return zoo;
    if (dir == dir.root_path() || dir.empty()) break;
  }
  return absl::NotFoundError(absl::StrCat("no models/zoo found in ", start.string(),
                                          " or a folder above it; set INFAAS_ZOO to its path"));
}

namespace {

absl::StatusOr<size_t> RegisterZooModel(MasterClient& master, const std::filesystem::path& config,
                                        const std::string& validation_url) {
  ASSIGN_OR_RETURN(v1::RegisterModelRequest request,
                   RegistrationRequestFor(config, "", validation_url));
  request.set_is_public(true);  // the shipped zoo is every tenant's
  ASSIGN_OR_RETURN(
      std::vector<v1::VariantRecord> variants,
      RegisterThroughMaster(
          master, request, absl::StrCat("registering ", config.parent_path().filename().string())));
  return variants.size();
}

}  // namespace

absl::Status RegisterModelZoo(MasterClient& master, const std::filesystem::path& zoo) {
  const std::filesystem::path validation = zoo / "validation";
  const std::string validation_url =
      std::filesystem::is_directory(validation) ? validation.string() : "";
  const std::vector<std::filesystem::path> configs = ZooConfigs(zoo);
  int failed = 0;
  for (const std::filesystem::path& config : configs) {
    const std::string model = config.parent_path().filename().string();
    absl::StatusOr<size_t> variants = RegisterZooModel(master, config, validation_url);
    if (!variants.ok()) {
      std::cerr << "zoo model " << model << ": " << variants.status().message() << "\n";
      ++failed;
      continue;
    }
    std::cout << "registered " << model << ": " << *variants << " variants\n";
  }
  if (failed > 0) {
    return absl::AbortedError(
        absl::StrCat(failed, " of ", configs.size(), " zoo models failed to register (see above)"));
  }
  return absl::OkStatus();
}

}  // namespace infaas::cli
