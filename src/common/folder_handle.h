#pragma once

// FolderHandle: a folder held open by a file descriptor, and every name
// inside it opened relative to that descriptor, never by its full path.
//
//   ASSIGN_OR_RETURN(FolderHandle root, FolderHandle::Open("/srv/infaas/jobs"));
//   ASSIGN_OR_RETURN(FolderHandle out, root.OpenFolder("acme/results", /*create=*/true));
//   RETURN_IF_ERROR(out.WriteFileAtomically("bag_0018.json", json));
//
// Why: a path checked against a root and opened later can be changed in
// between (a folder swapped for a symbolic link to /etc). A name opened
// beneath a held descriptor cannot leave it: the kernel resolves it with the
// descriptor as its root (openat2 with RESOLVE_BENEATH), so "..", an
// absolute link or a link leading out fails whenever it appears. Where
// openat2 is missing (Linux before 5.6, some seccomp filters) the names are
// walked one component at a time with O_NOFOLLOW: stricter, every link
// refused.
//
// Refusals: PermissionDenied when a name would lead out of the folder (the
// message says so, naming the folder); NotFound when it does not exist;
// InvalidArgument when it is of the wrong kind (a file where a folder is
// wanted, a link or a device where a plain file is).
//
// Move-only; the descriptor closes with the handle. The methods are const
// and thread-safe (each call opens what it needs).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas {

// An open file descriptor, closed with it. Move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  // Hands the descriptor to the caller (who closes it).
  int release();

 private:
  int fd_;
};

class FolderHandle {
 public:
  // Opens the folder at `path` (links on the way followed: this is a root
  // the operator named). NotFound / InvalidArgument naming it otherwise.
  static absl::StatusOr<FolderHandle> Open(const std::filesystem::path& path);

  FolderHandle(FolderHandle&&) noexcept = default;
  FolderHandle& operator=(FolderHandle&&) noexcept = default;

  // The folder `relative` beneath this one; with `create`, missing folders
  // on the way are made (mode 0755). An empty or "." path is this folder.
  absl::StatusOr<FolderHandle> OpenFolder(const std::filesystem::path& relative, bool create) const;

  // The whole plain file `relative` beneath this folder, no link followed on
  // the way; InvalidArgument naming the size when over `max_bytes`.
  absl::StatusOr<std::string> ReadFileAtMost(const std::filesystem::path& relative,
                                             uint64_t max_bytes) const;

  // The plain file `relative` beneath this folder opened for reading, no
  // link followed on the way (ReadFileAtMost's checks but the size).
  absl::StatusOr<UniqueFd> OpenPlainFile(const std::filesystem::path& relative) const;

  // Copies the plain file `relative` beneath this folder to `destination`
  // (a new file, created exclusively), in chunks.
  absl::Status CopyFileTo(const std::filesystem::path& relative,
                          const std::filesystem::path& destination) const;

  // Writes `contents` as `name` (a plain name in this folder): a temporary
  // file created here exclusively, fsynced and renamed over `name`.
  absl::Status WriteFileAtomically(absl::string_view name, absl::string_view contents) const;

  enum class EntryKind { kFile, kFolder, kLink, kOther };
  struct Entry {
    std::string name;
    EntryKind kind = EntryKind::kOther;
    uint64_t size_bytes = 0;  // of a plain file
  };
  // This folder's entries ("." and ".." left out), in no particular order;
  // links are reported as links, never followed. FailedPrecondition naming
  // the folder when it holds more than `max_entries` (a bound on what a
  // listing may allocate).
  absl::StatusOr<std::vector<Entry>> List(size_t max_entries = kMaxEntries) const;
  static constexpr size_t kMaxEntries = 1'000'000;

  // Whether `name` (a plain name) exists here, link or not.
  absl::StatusOr<bool> Contains(absl::string_view name) const;

  // Bytes an unprivileged writer may still use on this folder's file system.
  absl::StatusOr<uint64_t> AvailableBytes() const;

  // "/proc/self/fd/N": a path that names this very folder while the handle
  // lives, whatever happens to the path it was opened by. For code that
  // takes a path and reads only plain files directly inside it.
  std::string ProcPath() const;

  // The path it was opened by, for messages.
  const std::filesystem::path& path() const { return path_; }

 private:
  FolderHandle(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  // OpenPlainFile, and the file's size.
  absl::StatusOr<UniqueFd> OpenPlainFile(const std::filesystem::path& relative,
                                         uint64_t* size_bytes) const;

  UniqueFd fd_;
  std::filesystem::path path_;
};

}  // namespace infaas
