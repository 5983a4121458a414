#include "repository/local_model_repository.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/folder_handle.h"
#include "common/logging.h"
#include "common/model_name.h"
#include "common/status_macros.h"

namespace infaas::repository {
namespace {

namespace fs = std::filesystem;

std::string RandomSuffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x", rng());
}

absl::Status FsError(absl::string_view what, const fs::path& path, const std::error_code& ec) {
  return absl::InternalError(absl::StrCat(what, " ", path.string(), ": ", ec.message()));
}

// Every regular file under `source` (or `source` itself), as paths relative
// to the folder they will be copied from, sorted. Hidden entries are skipped.
absl::StatusOr<std::vector<fs::path>> ListSourceFiles(const fs::path& source) {
  std::error_code ec;
  if (fs::is_regular_file(source, ec)) return std::vector<fs::path>{source.filename()};
  if (!fs::is_directory(source, ec)) {
    return absl::NotFoundError(absl::StrCat("model source ", source.string(),
                                            " does not exist or is not a file or folder"));
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    // A link could name any file the master may read: never followed.
    if (it->is_symlink()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model source ", source.string(), ": ", it->path().string(),
                       " is a symbolic link; only plain files can be stored (copy the file in)"));
    }
    if (it->is_directory()) continue;
    if (!it->is_regular_file()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model source ", source.string(), ": ", it->path().string(),
                       " is neither a regular file nor a folder; only plain files can be stored"));
    }
    files.push_back(fs::relative(it->path(), source));
  }
  if (ec) return FsError("cannot list", source, ec);
  if (files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model source ", source.string(), " holds no files"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FormatManifest(const std::vector<v1::ModelFile>& files) {
  std::string out;
  for (const v1::ModelFile& f : files)
    absl::StrAppend(&out, f.sha256(), " ", f.size_bytes(), " ", f.path(), "\n");
  return out;
}

absl::StatusOr<std::vector<v1::ModelFile>> ParseManifest(absl::string_view text,
                                                         const fs::path& where) {
  std::vector<v1::ModelFile> files;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    v1::ModelFile f;
    int64_t size = 0;
    if (parts.size() != 3 || parts[0].size() != 64 || !absl::SimpleAtoi(parts[1], &size)) {
      return absl::DataLossError(absl::StrCat(
          "manifest ", where.string(), " has a malformed line: \"", line, "\"; re-add the model"));
    }
    f.set_sha256(parts[0]);
    f.set_size_bytes(size);
    f.set_path(parts[2]);
    files.push_back(std::move(f));
  }
  return files;
}

// Copies the files into `staging` and returns their records.
absl::StatusOr<std::vector<v1::ModelFile>> CopyInto(const fs::path& source,
                                                    const std::vector<fs::path>& relative,
                                                    const fs::path& staging) {
  const fs::path base = fs::is_regular_file(source) ? source.parent_path() : source;
  // Each file opened beneath the source folder, no link followed: one
  // swapped in after the listing cannot lead out of it.
  ASSIGN_OR_RETURN(const FolderHandle from, FolderHandle::Open(base));
  std::vector<v1::ModelFile> files;
  for (const fs::path& rel : relative) {
    RETURN_IF_ERROR(ValidateRelativeModelPath(rel.generic_string()));
    const fs::path to = staging / rel;
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return FsError("cannot create", to.parent_path(), ec);
    RETURN_IF_ERROR(from.CopyFileTo(rel, to));
    v1::ModelFile f;
    f.set_path(rel.generic_string());
    ASSIGN_OR_RETURN(std::string digest, Sha256OfFile(to));
    f.set_sha256(digest);
    f.set_size_bytes(static_cast<int64_t>(fs::file_size(to)));
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalModelRepository>> LocalModelRepository::Open(
    absl::string_view url) {
  ASSIGN_OR_RETURN(fs::path root, PathFromFileUrl(url));
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(absl::StrCat("model repository ", root.string(),
                                            " does not exist or is not a folder; create it "
                                            "(mkdir -p ",
                                            root.string(), ") or pass another --repo"));
  }
  // A probe write: access(W_OK) says yes to root even on a read-only mount.
  const fs::path probe = root / absl::StrCat(".write-probe-", RandomSuffix());
  if (absl::Status s = WriteFileAtomically(probe, ""); !s.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("model repository ", root.string(), " is not writable (", s.message(),
                     "); fix its permissions or pass another --repo"));
  }
  fs::remove(probe, ec);
  // Staging folders left by a crash mid-add are garbage.
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (absl::StartsWith(entry.path().filename().string(), ".staging-") ||
        absl::StartsWith(entry.path().filename().string(), ".removing-")) {
      fs::remove_all(entry.path(), ec);
    }
  }
  return std::unique_ptr<LocalModelRepository>(new LocalModelRepository(fs::absolute(root)));
}

std::string LocalModelRepository::Describe() const {
  return absl::StrCat("file://", root_.string());
}

absl::StatusOr<StoredModel> LocalModelRepository::AddModel(absl::string_view name,
                                                           const fs::path& source) {
  if (absl::Status s = ValidateModelName(name); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("model ", s.message()));
  }
  const fs::path dest = root_ / std::string(name);
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat("model \"", name, "\" is already in the repository at ", dest.string(),
                     "; remove it first or pick another name"));
  }
  ASSIGN_OR_RETURN(std::vector<fs::path> relative, ListSourceFiles(source));
  const fs::path staging = root_ / absl::StrCat(".staging-", name, "-", RandomSuffix());
  auto cleanup = [&] { fs::remove_all(staging, ec); };
  fs::create_directory(staging, ec);
  if (ec) return FsError("cannot create", staging, ec);
  absl::StatusOr<std::vector<v1::ModelFile>> files = CopyInto(source, relative, staging);
  if (files.ok()) {
    if (absl::Status s =
            WriteFileAtomically(staging / std::string(kManifestName), FormatManifest(*files));
        !s.ok()) {
      files = s;
    }
  }
  if (!files.ok()) {
    cleanup();
    return absl::Status(files.status().code(),
                        absl::StrCat("adding model \"", name, "\": ", files.status().message()));
  }
  // rename(2) fails if `dest` appeared meanwhile (non-empty folder): one add wins.
  fs::rename(staging, dest, ec);
  if (ec) {
    cleanup();
    if (fs::exists(dest)) {
      return absl::AlreadyExistsError(absl::StrCat("model \"", name, "\" was added concurrently"));
    }
    return FsError("cannot move model into", dest, ec);
  }
  LogInfo("model added to repository", {{"model", name}, {"folder", dest.string()}});
  return StoredModel{std::string(name), dest, *std::move(files)};
}

absl::StatusOr<StoredModel> LocalModelRepository::GetModel(absl::string_view name) const {
  if (absl::Status s = ValidateModelName(name); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("model ", s.message()));
  }
  const fs::path folder = root_ / std::string(name);
  const fs::path manifest = folder / std::string(kManifestName);
  absl::StatusOr<std::string> text = ReadFile(manifest);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(
        absl::StrCat("model \"", name, "\" is not in the repository ", Describe()));
  }
  RETURN_IF_ERROR(text.status());
  ASSIGN_OR_RETURN(std::vector<v1::ModelFile> files, ParseManifest(*text, manifest));
  return StoredModel{std::string(name), folder, std::move(files)};
}

absl::StatusOr<std::vector<std::string>> LocalModelRepository::ListModels() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, ".") && fs::exists(entry.path() / std::string(kManifestName))) {
      names.push_back(name);
    }
  }
  if (ec) return FsError("cannot list", root_, ec);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<v1::ModelFile> LocalModelRepository::AddFile(absl::string_view name,
                                                            absl::string_view relative_path,
                                                            absl::string_view bytes) {
  RETURN_IF_ERROR(ValidateRelativeModelPath(relative_path));
  const fs::path relative{std::string(relative_path)};
  if (absl::StartsWith(relative.filename().string(), ".")) {
    return absl::InvalidArgumentError(
        absl::StrCat("file ", relative_path, ": hidden files are not stored; pick another name"));
  }
  absl::MutexLock lock(&manifest_mu_);
  ASSIGN_OR_RETURN(StoredModel model, GetModel(name));
  const fs::path to = model.folder / relative;
  std::error_code ec;
  if (fs::exists(to, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("model \"", name, "\" already has a file ",
                                                 relative_path, "; pick another name"));
  }
  fs::create_directories(to.parent_path(), ec);
  if (ec) return FsError("cannot create", to.parent_path(), ec);
  RETURN_IF_ERROR(WriteFileAtomically(to, bytes));
  v1::ModelFile file;
  file.set_path(relative.generic_string());
  file.set_sha256(Sha256OfBytes(bytes));
  file.set_size_bytes(static_cast<int64_t>(bytes.size()));
  model.files.push_back(file);
  std::sort(model.files.begin(), model.files.end(),
            [](const v1::ModelFile& a, const v1::ModelFile& b) { return a.path() < b.path(); });
  if (absl::Status s = WriteFileAtomically(model.folder / std::string(kManifestName),
                                           FormatManifest(model.files));
      !s.ok()) {
    fs::remove(to, ec);  // unlisted, it would only be garbage
    return s;
  }
  LogInfo("file added to model", {{"model", name}, {"file", file.path()}});
  return file;
}

absl::Status LocalModelRepository::RemoveModel(absl::string_view name) {
  absl::MutexLock lock(&manifest_mu_);  // not beside an AddFile to the same model
  ASSIGN_OR_RETURN(StoredModel model, GetModel(name));
  // Rename first so the model disappears at once, then delete at leisure.
  const fs::path doomed = root_ / absl::StrCat(".removing-", name, "-", RandomSuffix());
  std::error_code ec;
  fs::rename(model.folder, doomed, ec);
  if (ec) return FsError("cannot remove", model.folder, ec);
  fs::remove_all(doomed, ec);
  LogInfo("model removed from repository", {{"model", name}});
  return absl::OkStatus();
}

absl::Status LocalModelRepository::VerifyModel(absl::string_view name) const {
  ASSIGN_OR_RETURN(StoredModel model, GetModel(name));
  for (const v1::ModelFile& f : model.files) {
    absl::StatusOr<std::string> digest = Sha256OfFile(model.folder / f.path());
    if (!digest.ok()) {
      return absl::DataLossError(absl::StrCat("model \"", name, "\": file ", f.path(),
                                              " is unreadable (", digest.status().message(),
                                              "); re-add the model"));
    }
    if (*digest != f.sha256()) {
      return absl::DataLossError(absl::StrCat("model \"", name, "\": file ", f.path(),
                                              " has changed since it was added (sha256 ", *digest,
                                              ", expected ", f.sha256(), "); re-add the model"));
    }
  }
  return absl::OkStatus();
}

}  // namespace infaas::repository
