#pragma once

// What a RegisterModel call reads, opened beneath the model source roots
// (--model-source-root) and held open for the call.
//
//   ASSIGN_OR_RETURN(RegistrationSources sources,
//                    OpenRegistrationSources(roots, request.model_url(),
//                    request.validation_url()));
//   registration.model_source = sources.model_source;        // "/proc/self/fd/12"
//   registration.validation_url = sources.validation_url;    // likewise
//
// The paths handed on name the folders opened here ("/proc/self/fd/N"), not
// the client's paths: a link swapped into the client's path after the
// check cannot change what registration reads. Below those folders the
// readers open files without following links (the repository's copy, the
// validation set's loader).
//
// A value type; the handles close with it.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/folder_handle.h"
#include "common/path_roots.h"

namespace infaas::api {

struct RegistrationSources {
  std::vector<FolderHandle> held;
  std::filesystem::path model_source;  // a folder, or a file in one
  std::string validation_url;          // empty, a folder, or "IMAGES,LABELS"
};

// PermissionDenied outside the roots (the same whether the path exists or
// not), NotFound naming a missing source, InvalidArgument for a URL that is
// not a local path.
absl::StatusOr<RegistrationSources> OpenRegistrationSources(const PathRoots& roots,
                                                            absl::string_view model_url,
                                                            absl::string_view validation_url);

}  // namespace infaas::api
