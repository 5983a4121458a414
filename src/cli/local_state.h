#pragma once

// Where a single-machine INFaaS keeps its state when no flag says otherwise:
// $INFAAS_HOME, or ./.infaas in the current folder.
//
//   <home>/infaas.db     the SQLite metadata store
//   <home>/models/       the model repository

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace infaas::cli {

std::filesystem::path StateHome();
std::string DefaultStoreUrl();       // "sqlite:<home>/infaas.db"
std::string DefaultRepositoryUrl();  // "<home>/models"

// Creates <home> and <home>/models if the defaults are in use; a flag that
// names another place is left to the store / repository to check.
absl::Status EnsureDefaultFolders(const std::string& store_url, const std::string& repository_url);

}  // namespace infaas::cli
