#include "testing/small_disk.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace infaas::testing {

absl::StatusOr<std::unique_ptr<SmallDisk>> SmallDisk::Mount(const std::filesystem::path& folder,
                                                            int64_t bytes) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const std::string options = absl::StrCat("size=", bytes, ",mode=0755");
  if (::mount("tmpfs", folder.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot mount a tmpfs on ", folder.string(),
                                                      ": ", std::strerror(errno),
                                                      " (needs CAP_SYS_ADMIN)"));
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(folder));
}

SmallDisk::~SmallDisk() { ::umount2(folder_.c_str(), MNT_DETACH); }

absl::Status SmallDisk::Resize(int64_t bytes) {
  const std::string options = absl::StrCat("size=", bytes);
  if (::mount("tmpfs", folder_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV,
              options.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot resize the tmpfs on ", folder_.string(), ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace infaas::testing
