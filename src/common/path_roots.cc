#include "common/path_roots.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

bool IsWithin(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// A tenant name is one plain folder name (keys' tenants are checked when
// minted; this guards the path arithmetic all the same).
bool IsFolderName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == absl::string_view::npos && name.find('\0') == absl::string_view::npos;
}

fs::path ShareOf(const fs::path& root, absl::string_view tenant) {
  if (tenant.empty()) return root;
  return root / std::string(PathRoots::kTenantsFolder) / std::string(tenant);
}

}  // namespace

absl::StatusOr<PathRoots> PathRoots::Create(const std::vector<fs::path>& roots, std::string flag) {
  std::vector<Root> held;
  for (const fs::path& root : roots) {
    std::error_code ec;
    fs::path resolved = fs::canonical(root, ec);
    if (ec || !fs::is_directory(resolved, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " ", root.string(), " is not an existing folder"));
    }
    ASSIGN_OR_RETURN(FolderHandle handle, FolderHandle::Open(resolved));
    held.push_back({std::move(resolved), std::make_shared<const FolderHandle>(std::move(handle))});
  }
  return PathRoots(std::move(held), std::move(flag));
}

absl::StatusOr<fs::path> PathRoots::Confine(const fs::path& path, absl::string_view tenant) const {
  if (!confined()) return path.lexically_normal();
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the path \"", path.string().substr(0, 256),
                     "\" is relative; give an absolute path (the master reads it)"));
  }
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(path, ec);
  if (!ec && (tenant.empty() || IsFolderName(tenant)) &&
      std::any_of(roots_.begin(), roots_.end(), [&](const Root& root) {
        return IsWithin(resolved, ShareOf(root.path, tenant));
      })) {
    return resolved;
  }
  const std::string allowed =
      tenant.empty()
          ? absl::StrCat("this master may use (", flag_, " ", Describe(), ")")
          : absl::StrCat("tenant \"", tenant.substr(0, 64), "\" may use (", Describe(tenant), ")");
  return absl::PermissionDeniedError(absl::StrCat("the path \"", path.string().substr(0, 256),
                                                  "\" is outside the folders ", allowed,
                                                  "; give a path under one of them"));
}

absl::StatusOr<FolderHandle> PathRoots::OpenFolder(const fs::path& path, absl::string_view tenant,
                                                   bool create) const {
  ASSIGN_OR_RETURN(const fs::path resolved, Confine(path, tenant));
  if (!confined()) {
    ASSIGN_OR_RETURN(FolderHandle top, FolderHandle::Open("/"));
    return top.OpenFolder(resolved.lexically_relative("/"), create);
  }
  for (const Root& root : roots_) {
    const fs::path share = ShareOf(root.path, tenant);
    if (!IsWithin(resolved, share)) continue;
    if (tenant.empty()) return root.handle->OpenFolder(resolved.lexically_relative(share), create);
    ASSIGN_OR_RETURN(FolderHandle opened,
                     root.handle->OpenFolder(share.lexically_relative(root.path), create));
    return opened.OpenFolder(resolved.lexically_relative(share), create);
  }
  return absl::InternalError("a confined path matched no root");  // Confine said it did
}

std::string PathRoots::Describe(absl::string_view tenant) const {
  return absl::StrJoin(roots_, ", ", [tenant](std::string* out, const Root& root) {
    out->append(ShareOf(root.path, tenant).string());
  });
}

}  // namespace infaas
