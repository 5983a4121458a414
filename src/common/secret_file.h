#pragma once

// Secrets kept in files: the operator's API key and the cluster secret.
// Such a file is the owner's alone (mode 0600): one that others may read is
// refused, since every local user could have copied it.
//
//   ASSIGN_OR_RETURN(std::string secret, EnsureSecretFile(home / "cluster.secret"));
//
// Thread-compatible (plain file I/O).

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas {

// The file's text without surrounding whitespace. NotFound when it does not
// exist; FailedPrecondition when others may read it, it is not a regular
// file, it is empty or longer than 4 KiB.
absl::StatusOr<std::string> ReadSecretFile(const std::filesystem::path& path);

// Creates `path` with mode 0600 holding `secret`; AlreadyExists if it exists.
absl::Status WriteSecretFile(const std::filesystem::path& path, absl::string_view secret);

// The secret in `path`, made (32 random bytes as hex) when it does not exist.
absl::StatusOr<std::string> EnsureSecretFile(const std::filesystem::path& path);

// Compares in constant time for equal lengths.
bool SecretsEqual(absl::string_view a, absl::string_view b);

}  // namespace infaas
