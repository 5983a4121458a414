#include "offline/job_inputs.h"

#include <algorithm>
#include <map>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace infaas::offline {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kAccepted =
    ".png, .jpg or .jpeg images, or .f32/.raw little-endian float32 tensors";

v1::OfflineItemFailure Rejected(const std::string& name, std::string reason) {
  v1::OfflineItemFailure f;
  f.set_input(name);
  f.set_reason(std::move(reason));
  return f;
}

}  // namespace

absl::StatusOr<InputKind> InputKindOf(absl::string_view file_name) {
  const std::string ext =
      absl::AsciiStrToLower(fs::path(std::string(file_name)).extension().string());
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") return InputKind::kImage;
  if (ext == ".f32" || ext == ".raw") return InputKind::kRawTensor;
  return absl::InvalidArgumentError(
      absl::StrCat("not an input file (extension \"", ext, "\"); offline inputs are ", kAccepted));
}

std::string OutputNameFor(absl::string_view input_name, bool raw_output) {
  return absl::StrCat(fs::path(std::string(input_name)).stem().string(),
                      raw_output ? ".f32" : ".json");
}

absl::StatusOr<FolderHandle> OpenInputFolder(const PathRoots& roots, const fs::path& folder,
                                             absl::string_view tenant) {
  absl::StatusOr<FolderHandle> opened = roots.OpenFolder(folder, tenant, /*create=*/false);
  if (absl::IsNotFound(opened.status())) {
    return absl::NotFoundError(absl::StrCat("the input folder ", folder.string(),
                                            " does not exist; give a folder of inputs"));
  }
  if (absl::IsInvalidArgument(opened.status())) {
    return absl::InvalidArgumentError(absl::StrCat("the input location ", folder.string(),
                                                   " is not a folder (", opened.status().message(),
                                                   "); give a folder of ", kAccepted));
  }
  return opened;
}

absl::StatusOr<FolderHandle> OpenOutputFolder(const PathRoots& roots, const fs::path& folder,
                                              absl::string_view tenant) {
  absl::StatusOr<FolderHandle> opened = roots.OpenFolder(folder, tenant, /*create=*/true);
  if (!opened.ok() && !absl::IsPermissionDenied(opened.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the output folder ", folder.string(), ": ", opened.status().message()));
  }
  return opened;
}

absl::StatusOr<JobInputs> ListJobInputs(const fs::path& folder, bool raw_output) {
  ASSIGN_OR_RETURN(FolderHandle opened, OpenInputFolder(PathRoots(), folder, ""));
  return ListJobInputs(opened, raw_output);
}

absl::StatusOr<JobInputs> ListJobInputs(const FolderHandle& folder, bool raw_output) {
  ASSIGN_OR_RETURN(std::vector<FolderHandle::Entry> entries, folder.List());
  std::sort(
      entries.begin(), entries.end(),
      [](const FolderHandle::Entry& a, const FolderHandle::Entry& b) { return a.name < b.name; });
  JobInputs inputs;
  std::vector<std::string> files;
  for (const FolderHandle::Entry& entry : entries) {
    const std::string& name = entry.name;
    if (absl::StartsWith(name, ".")) continue;
    // Never followed: a link could name any file the master may read.
    if (entry.kind == FolderHandle::EntryKind::kLink) {
      inputs.rejected.push_back(
          Rejected(name, "a symbolic link; a job reads only plain files of its folder"));
      continue;
    }
    if (entry.kind != FolderHandle::EntryKind::kFile) continue;  // folders, FIFOs, devices
    if (entry.size_bytes > static_cast<uint64_t>(kMaxInputFileBytes)) {
      inputs.rejected.push_back(
          Rejected(name, absl::StrCat(entry.size_bytes, " bytes, over the ",
                                      kMaxInputFileBytes >> 20, " MiB an input may have")));
      continue;
    }
    files.push_back(name);
  }

  // Result name -> the input that claimed it first.
  std::map<std::string, std::string> claimed = {{std::string(kSummaryFileName), "the job summary"}};
  for (const std::string& name : files) {
    absl::StatusOr<InputKind> kind = InputKindOf(name);
    if (!kind.ok()) {
      inputs.rejected.push_back(Rejected(name, std::string(kind.status().message())));
      continue;
    }
    const std::string output = OutputNameFor(name, raw_output);
    auto [it, fresh] = claimed.emplace(output, name);
    if (!fresh) {
      inputs.rejected.push_back(
          Rejected(name, absl::StrCat("its result file ", output, " is already the result of ",
                                      it->second, "; rename one of them")));
      continue;
    }
    inputs.items.push_back({name, *kind, output});
  }
  std::sort(inputs.rejected.begin(), inputs.rejected.end(),
            [](const v1::OfflineItemFailure& a, const v1::OfflineItemFailure& b) {
              return a.input() < b.input();
            });
  return inputs;
}

}  // namespace infaas::offline
