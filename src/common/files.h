#pragma once

// Small file-system helpers with absl::Status errors that name the path.

#include <cstdint>
#include <filesystem>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infaas {

// Reads a whole file. NotFound if it does not exist, PermissionDenied if it
// cannot be read.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

// ReadFile for a file from outside: its size is checked before anything is
// allocated. InvalidArgument naming the size and `max_bytes` when larger.
absl::StatusOr<std::string> ReadFileAtMost(const std::filesystem::path& path, uint64_t max_bytes);

// Writes `contents` to `path` so that a reader sees either the old file or
// the complete new one, never a partial write: it writes a temporary file in
// the same folder, fsyncs it and renames it over `path`.
absl::Status WriteFileAtomically(const std::filesystem::path& path, absl::string_view contents);

// Lowercase hex SHA-256 of a file's contents, read in chunks.
absl::StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path);

// Lowercase hex SHA-256 of a byte string.
std::string Sha256OfBytes(absl::string_view bytes);

// Strips a leading "file://" from a URL; a plain path is returned as is.
// InvalidArgument for another scheme (e.g. "s3://"), naming what is supported.
absl::StatusOr<std::filesystem::path> PathFromFileUrl(absl::string_view url);

}  // namespace infaas
