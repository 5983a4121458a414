#include "cli/local_state.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace infaas::cli {

std::filesystem::path StateHome() {
  const char* home = std::getenv("INFAAS_HOME");
  if (home != nullptr && home[0] != '\0') return home;
  return std::filesystem::current_path() / ".infaas";
}

std::string DefaultStoreUrl() {
  return absl::StrCat("sqlite:", (StateHome() / "infaas.db").string());
}

std::string DefaultRepositoryUrl() { return (StateHome() / "models").string(); }

absl::Status EnsureDefaultFolders(const std::string& store_url, const std::string& repository_url) {
  std::error_code ec;
  if (store_url == DefaultStoreUrl()) std::filesystem::create_directories(StateHome(), ec);
  if (!ec && repository_url == DefaultRepositoryUrl()) {
    std::filesystem::create_directories(repository_url, ec);
  }
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", StateHome().string(), ": ",
                                                    ec.message(), "; set INFAAS_HOME elsewhere"));
  }
  return absl::OkStatus();
}

}  // namespace infaas::cli
