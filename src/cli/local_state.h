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
//   <home>/sources/               what registration may read by default
//   <home>/jobs/                  what offline jobs may read and write by
//                                 default (a user key: jobs/tenants/<tenant>)
//
// Pure path arithmetic except EnsureDefaultFolders; thread-safe.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::cli {

std::filesystem::path StateHome();
std::string DefaultStoreUrl();       // "sqlite:<home>/infaas.db"
std::string DefaultRepositoryUrl();  // "<home>/models"

// Creates <home> and <home>/models if the defaults are in use; a flag that
// names another place is left to the store / repository to check.
absl::Status EnsureDefaultFolders(const std::string& store_url, const std::string& repository_url);

std::filesystem::path ModelSourceFolder();  // <home>/sources
std::filesystem::path JobFolder();          // <home>/jobs

// The roots a master confines clients' paths to: `given` (absolute) when
// any, else `fallback` (made if missing). PermissionDenied when it cannot
// be made.
absl::StatusOr<std::vector<std::string>> RootsOrDefault(const std::vector<std::string>& given,
                                                        const std::filesystem::path& fallback);

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
