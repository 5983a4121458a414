#pragma once

// PathRoots: the folders a master may read or write for its clients
// (--model-source-root for registration, --job-root for offline jobs).
//
//   ASSIGN_OR_RETURN(PathRoots roots, PathRoots::Create({"/srv/models"}, "--model-source-root"));
//   ASSIGN_OR_RETURN(std::filesystem::path source, roots.Confine(requested));
//
// A path is inside when, with every symbolic link in its existing part
// resolved and "." and ".." removed, it is a root or lies under one: a link
// inside a root that points out of it is outside. The refusal is the same
// whether the path exists or not, so it reveals nothing about the machine.
// No roots: every path is allowed (a master started by hand on a trusted
// machine). Immutable after Create; thread-safe.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace infaas {

class PathRoots {
 public:
  // Each root must be an existing folder (InvalidArgument otherwise, naming
  // `flag`); roots are kept canonical.
  static absl::StatusOr<PathRoots> Create(const std::vector<std::filesystem::path>& roots,
                                          std::string flag);
  PathRoots() = default;  // no roots: everything allowed

  bool confined() const { return !roots_.empty(); }

  // `path` resolved (absolute, canonical) if it is inside a root;
  // PermissionDenied saying which roots are allowed otherwise, and
  // InvalidArgument for a relative path. Without roots: `path`, lexically
  // normal.
  absl::StatusOr<std::filesystem::path> Confine(const std::filesystem::path& path) const;

  // "/a, /b" for messages.
  std::string Describe() const;

 private:
  PathRoots(std::vector<std::filesystem::path> roots, std::string flag)
      : roots_(std::move(roots)), flag_(std::move(flag)) {}

  std::vector<std::filesystem::path> roots_;
  std::string flag_;
};

}  // namespace infaas
