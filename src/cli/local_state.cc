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

std::filesystem::path ModelSourceFolder() { return StateHome() / "sources"; }

std::filesystem::path JobFolder() { return StateHome() / "jobs"; }

absl::StatusOr<std::vector<std::string>> RootsOrDefault(const std::vector<std::string>& given,
                                                        const std::filesystem::path& fallback) {
  std::vector<std::string> roots;
  for (const std::string& root : given) {
    roots.push_back(std::filesystem::absolute(root).lexically_normal().string());
  }
  if (!roots.empty()) return roots;
  std::error_code ec;
  std::filesystem::create_directories(fallback, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", fallback.string(), ": ",
                                                    ec.message(), "; set INFAAS_HOME elsewhere"));
  }
  return std::vector<std::string>{std::filesystem::absolute(fallback).lexically_normal().string()};
}

std::filesystem::path RunFolder() { return StateHome() / "run"; }

std::filesystem::path LogFolder() { return StateHome() / "logs"; }

std::filesystem::path PidFilePath(absl::string_view process) {
  return RunFolder() / absl::StrCat(process, ".pid");
}

std::filesystem::path LogFilePath(absl::string_view process) {
  return LogFolder() / absl::StrCat(process, ".log");
}

std::filesystem::path MasterAddressFile() { return RunFolder() / "master.address"; }

std::filesystem::path AdminKeyFile() { return StateHome() / "admin.key"; }

std::filesystem::path ClusterSecretFile() { return StateHome() / "cluster.secret"; }

std::filesystem::path ExecutableFolder() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

}  // namespace infaas::cli
