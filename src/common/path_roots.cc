#include "common/path_roots.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infaas {
namespace {

bool IsWithin(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<PathRoots> PathRoots::Create(const std::vector<std::filesystem::path>& roots,
                                            std::string flag) {
  std::vector<std::filesystem::path> canonical;
  for (const std::filesystem::path& root : roots) {
    std::error_code ec;
    std::filesystem::path resolved = std::filesystem::canonical(root, ec);
    if (ec || !std::filesystem::is_directory(resolved, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " ", root.string(), " is not an existing folder"));
    }
    canonical.push_back(std::move(resolved));
  }
  return PathRoots(std::move(canonical), std::move(flag));
}

absl::StatusOr<std::filesystem::path> PathRoots::Confine(const std::filesystem::path& path) const {
  if (!confined()) return path.lexically_normal();
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the path \"", path.string().substr(0, 256),
                     "\" is relative; give an absolute path (the master reads it)"));
  }
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(path, ec);
  if (!ec && std::any_of(roots_.begin(), roots_.end(), [&](const std::filesystem::path& root) {
        return IsWithin(resolved, root);
      })) {
    return resolved;
  }
  return absl::PermissionDeniedError(absl::StrCat("the path \"", path.string().substr(0, 256),
                                                  "\" is outside the folders this master may use (",
                                                  flag_, " ", Describe(),
                                                  "); give a path under one of them"));
}

std::string PathRoots::Describe() const {
  return absl::StrJoin(roots_, ", ", [](std::string* out, const std::filesystem::path& p) {
    out->append(p.string());
  });
}

}  // namespace infaas
