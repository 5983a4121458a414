#pragma once

// PathRoots: the folders a master may read or write for its clients
// (--model-source-root for registration, --job-root for offline jobs), and
// each tenant's share of them.
//
//   ASSIGN_OR_RETURN(PathRoots roots, PathRoots::Create({"/srv/jobs"}, "--job-root"));
//   ASSIGN_OR_RETURN(FolderHandle in, roots.OpenFolder(requested, "acme", /*create=*/false));
//   ASSIGN_OR_RETURN(std::string bytes, in.ReadFileAtMost("bag_0018.png", kMax));
//
// A path is inside when, with every symbolic link in its existing part
// resolved and "." and ".." removed, it is a root or lies under one: a link
// inside a root that points out of it is outside. A tenant's share of a
// root R is R/tenants/<tenant>: a user key names only paths there; an admin
// (no tenant) names any path under the roots. The refusal is the same
// whether the path exists or not, so it reveals nothing about the machine.
//
// Checking is half of it: a path checked now and opened later could have a
// link swapped in meanwhile. OpenFolder opens the folder beneath a
// descriptor held on its root (common/folder_handle.h), so whatever changes
// on the way, what it opens is under the root (or the tenant's share).
//
// No roots: every path is allowed (a library used by hand; the master
// always has roots). Immutable after Create; thread-safe.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/folder_handle.h"

namespace infaas {

class PathRoots {
 public:
  // The folder under each root that holds the tenants' shares.
  static constexpr absl::string_view kTenantsFolder = "tenants";

  // Each root must be an existing folder (InvalidArgument otherwise, naming
  // `flag`); roots are kept canonical and held open.
  static absl::StatusOr<PathRoots> Create(const std::vector<std::filesystem::path>& roots,
                                          std::string flag);
  PathRoots() = default;  // no roots: everything allowed

  bool confined() const { return !roots_.empty(); }

  // `path` resolved (absolute, canonical) if it is inside a root, or inside
  // `tenant`'s share of one when `tenant` is not empty; PermissionDenied
  // saying which folders are allowed otherwise, and InvalidArgument for a
  // relative path. Without roots: `path`, lexically normal.
  absl::StatusOr<std::filesystem::path> Confine(const std::filesystem::path& path,
                                                absl::string_view tenant = "") const;

  // Confine, then the folder opened beneath its root's descriptor (the
  // tenant's share's, for a tenant). With `create`, missing folders are made
  // (the tenant's share included). Errors: Confine's, then FolderHandle's
  // (PermissionDenied for a link that leads out, NotFound, InvalidArgument).
  absl::StatusOr<FolderHandle> OpenFolder(const std::filesystem::path& path,
                                          absl::string_view tenant, bool create) const;

  // "/a, /b" for messages; for a tenant, its shares "/a/tenants/acme, ...".
  std::string Describe(absl::string_view tenant = "") const;

 private:
  struct Root {
    std::filesystem::path path;  // canonical
    std::shared_ptr<const FolderHandle> handle;
  };
  PathRoots(std::vector<Root> roots, std::string flag)
      : roots_(std::move(roots)), flag_(std::move(flag)) {}

  std::vector<Root> roots_;
  std::string flag_;
};

}  // namespace infaas
