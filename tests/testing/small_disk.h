#pragma once

// A small tmpfs mounted on a test's folder: a disk that fills up on cue.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SmallDisk> disk, SmallDisk::Mount(dir / "out", 64 << 10));
//   ... writes fail with ENOSPC past 64 KiB ...
//   RETURN_IF_ERROR(disk->Resize(16 << 20));   // room again
//   // unmounted on destruction
//
// Mounting needs CAP_SYS_ADMIN (root in a container that allows mounts):
// Mount() returns FAILED_PRECONDITION without it, for the caller to skip.
// Thread-compatible.

#include <cstdint>
#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace infaas::testing {

class SmallDisk {
 public:
  // Creates `folder` if needed and mounts a tmpfs of `bytes` on it.
  static absl::StatusOr<std::unique_ptr<SmallDisk>> Mount(const std::filesystem::path& folder,
                                                          int64_t bytes);
  ~SmallDisk();  // unmounts (lazily: open files do not keep it)
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  // Changes the size, keeping the files.
  absl::Status Resize(int64_t bytes);

  const std::filesystem::path& folder() const { return folder_; }

 private:
  explicit SmallDisk(std::filesystem::path folder) : folder_(std::move(folder)) {}
  std::filesystem::path folder_;
};

}  // namespace infaas::testing
