#include "api/registration_sources.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::api {
namespace {

namespace fs = std::filesystem;

// `url`'s folder (or the folder of the file it names) opened beneath the
// roots; returns the path that names the same thing through the handle.
absl::StatusOr<fs::path> OpenBeneath(const PathRoots& roots, absl::string_view url,
                                     absl::string_view what, RegistrationSources* sources) {
  ASSIGN_OR_RETURN(const fs::path path, PathFromFileUrl(url));
  ASSIGN_OR_RETURN(const fs::path confined, roots.Confine(path));
  absl::StatusOr<FolderHandle> folder = roots.OpenFolder(confined, "", /*create=*/false);
  fs::path file;
  if (absl::IsInvalidArgument(folder.status()) && confined.has_filename()) {
    // A file: its folder is held, the file read beneath it.
    file = confined.filename();
    folder = roots.OpenFolder(confined.parent_path(), "", false);
  }
  if (absl::IsNotFound(folder.status())) {
    return absl::NotFoundError(
        absl::StrCat(what, " ", path.string().substr(0, 256), " does not exist"));
  }
  RETURN_IF_ERROR(folder.status());
  fs::path through = folder->ProcPath();
  if (!file.empty()) through /= file;
  sources->held.push_back(*std::move(folder));
  return through;
}

}  // namespace

absl::StatusOr<RegistrationSources> OpenRegistrationSources(const PathRoots& roots,
                                                            absl::string_view model_url,
                                                            absl::string_view validation_url) {
  RegistrationSources sources;
  ASSIGN_OR_RETURN(sources.model_source,
                   OpenBeneath(roots, model_url, "the model source", &sources));
  if (validation_url.empty()) return sources;
  // A folder, or an idx pair "IMAGES,LABELS": each part under the roots.
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(validation_url, ',')) {
    ASSIGN_OR_RETURN(fs::path through, OpenBeneath(roots, part, "the validation set", &sources));
    parts.push_back(through.string());
  }
  sources.validation_url = absl::StrJoin(parts, ",");
  return sources;
}

}  // namespace infaas::api
