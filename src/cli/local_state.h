#pragma once

// Where a single-machine INFaaS keeps its state when no flag says otherwise:
// $INFAAS_HOME, or ./.infaas in the current folder.
//
//   <home>/infaas.db              the SQLite metadata store
//   <home>/models/                the model repository
//   <home>/run/master.pid         pid of the master `infaas up` started
//   <home>/run/worker-<i>.pid     pid of each worker it started
//   <home>/run/master.address     HOST:PORT the master listens on
//   <home>/logs/master.log        stdout and stderr of the master
//   <home>/logs/worker-<i>.log    stdout and stderr of each worker
//
// Pure path arithmetic except EnsureDefaultFolders; thread-safe.

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas::cli {

std::filesystem::path StateHome();
std::string DefaultStoreUrl();       // "sqlite:<home>/infaas.db"
std::string DefaultRepositoryUrl();  // "<home>/models"

// Creates <home> and <home>/models if the defaults are in use; a flag that
// names another place is left to the store / repository to check.
absl::Status EnsureDefaultFolders(const std::string& store_url, const std::string& repository_url);

std::filesystem::path RunFolder();                             // <home>/run
std::filesystem::path LogFolder();                             // <home>/logs
std::filesystem::path PidFilePath(absl::string_view process);  // <home>/run/<process>.pid
std::filesystem::path LogFilePath(absl::string_view process);  // <home>/logs/<process>.log
std::filesystem::path MasterAddressFile();                     // <home>/run/master.address
std::filesystem::path AdminKeyFile();                          // <home>/admin.key
std::filesystem::path ClusterSecretFile();                     // <home>/cluster.secret

// The folder of the running executable (/proc/self/exe resolved), where
// infaas-master and infaas-worker are built beside infaas.
std::filesystem::path ExecutableFolder();

}  // namespace infaas::cli
