#include "common/folder_handle.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

// openat2 is Linux 5.6+; seccomp filters that do not know it answer ENOSYS
// (or EPERM, in older container runtimes). Remembered once seen.
std::atomic<bool> openat2_missing{false};

std::string Shown(const fs::path& path) { return path.string().substr(0, 512); }

absl::Status OpenError(const fs::path& folder, const fs::path& relative, int err) {
  const std::string where = Shown(folder / relative);
  switch (err) {
    case EXDEV:
      return absl::PermissionDeniedError(
          absl::StrCat(where, " leads out of ", Shown(folder),
                       " (through \"..\" or a symbolic link); give a path inside it"));
    case ELOOP:
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          " is or passes through a symbolic link, which is not followed here; give the "
          "real path"));
    case ENOENT:
      return absl::NotFoundError(absl::StrCat(where, " does not exist"));
    case ENOTDIR:
      return absl::InvalidArgumentError(absl::StrCat(where, " is not a folder"));
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(
          absl::StrCat("cannot open ", where, ": ", std::strerror(err)));
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot write ", where, ": ", std::strerror(err)));
    default:
      return absl::InternalError(absl::StrCat("cannot open ", where, ": ", std::strerror(err)));
  }
}

// The names of `relative`, "." and empty ones dropped; false when one is
// "..": nothing here climbs (openat2 would refuse it too).
bool Components(const fs::path& relative, std::vector<std::string>* names) {
  for (const fs::path& part : relative) {
    const std::string name = part.string();
    if (name.empty() || name == "." || name == "/") continue;
    if (name == "..") return false;
    names->push_back(name);
  }
  return true;
}

// One component at a time, no link followed: the fallback for openat2.
int WalkBeneath(int dirfd, const fs::path& relative, int flags) {
  std::vector<std::string> names;
  if (!Components(relative, &names)) {
    errno = EXDEV;
    return -1;
  }
  if (names.empty()) return openat(dirfd, ".", flags | O_CLOEXEC);
  UniqueFd current(-1);
  int at = dirfd;
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    const int next = openat(at, names[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -1;
    current = UniqueFd(next);  // closes the previous step
    at = current.get();
  }
  const int fd = openat(at, names.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  if ((flags & O_PATH) != 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
    close(fd);
    errno = ELOOP;
    return -1;
  }
  return fd;
}

// Opens `relative` beneath `dirfd`. `no_links`: no symbolic link at all on
// the way (plain files of a job); otherwise links that stay beneath are
// followed.
int OpenBeneath(int dirfd, const fs::path& relative, int flags, bool no_links) {
  if (!openat2_missing.load(std::memory_order_relaxed)) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | (no_links ? RESOLVE_NO_SYMLINKS : 0);
    const std::string name = relative.empty() ? std::string(".") : relative.string();
    const long fd = syscall(SYS_openat2, dirfd, name.c_str(), &how, sizeof(how));
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return static_cast<int>(fd);
    if (errno == ENOSYS) openat2_missing.store(true, std::memory_order_relaxed);
  }
  return WalkBeneath(dirfd, relative, flags);
}

// Writes all of `bytes`; false with errno set on an error.
bool WriteAll(int fd, const char* bytes, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool IsPlainName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == absl::string_view::npos && name.find('\0') == absl::string_view::npos;
}

std::string TemporaryName(absl::string_view name) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat(".%s.tmp-%016x", name.substr(0, 64), rng());
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

int UniqueFd::release() { return std::exchange(fd_, -1); }

absl::StatusOr<FolderHandle> FolderHandle::Open(const fs::path& path) {
  const int fd = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(Shown(path), " does not exist"));
    return OpenError(path.parent_path(), path.filename(), err);
  }
  return FolderHandle(fd, path);
}

absl::StatusOr<FolderHandle> FolderHandle::OpenFolder(const fs::path& relative, bool create) const {
  const int flags = O_PATH | O_DIRECTORY;
  if (!create) {
    const int fd = OpenBeneath(fd_.get(), relative, flags, /*no_links=*/false);
    if (fd < 0) return OpenError(path_, relative, errno);
    return FolderHandle(fd, path_ / relative);
  }
  // Made one folder at a time, each beneath the one before.
  std::vector<std::string> names;
  if (!Components(relative, &names)) return OpenError(path_, relative, EXDEV);
  UniqueFd current(fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) return OpenError(path_, ".", errno);
  fs::path reached = path_;
  for (const std::string& name : names) {
    int next = OpenBeneath(current.get(), name, flags, /*no_links=*/false);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        return OpenError(reached, name, errno);
      }
      next = OpenBeneath(current.get(), name, flags, /*no_links=*/false);
    }
    if (next < 0) return OpenError(reached, name, errno);
    current = UniqueFd(next);
    reached /= name;
  }
  return FolderHandle(current.release(), std::move(reached));
}

absl::StatusOr<UniqueFd> FolderHandle::OpenPlainFile(const fs::path& relative) const {
  uint64_t size = 0;
  return OpenPlainFile(relative, &size);
}

absl::StatusOr<UniqueFd> FolderHandle::OpenPlainFile(const fs::path& relative,
                                                     uint64_t* size_bytes) const {
  // O_NONBLOCK: a FIFO must not hang the reader; it is refused below.
  UniqueFd fd(OpenBeneath(fd_.get(), relative, O_RDONLY | O_NONBLOCK, /*no_links=*/true));
  if (fd.get() < 0) return OpenError(path_, relative, errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return OpenError(path_, relative, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(path_ / relative), " is not a plain file"));
  }
  *size_bytes = static_cast<uint64_t>(st.st_size);
  // Reads block as usual from here.
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

absl::Status FolderHandle::CopyFileTo(const fs::path& relative, const fs::path& destination) const {
  ASSIGN_OR_RETURN(UniqueFd from, OpenPlainFile(relative));
  UniqueFd to(
      open(destination.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (to.get() < 0) return OpenError(destination.parent_path(), destination.filename(), errno);
  std::vector<char> buffer(size_t{1} << 20);
  while (true) {
    const ssize_t n = read(from.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OpenError(path_, relative, errno);
    if (n == 0) break;
    if (!WriteAll(to.get(), buffer.data(), static_cast<size_t>(n))) {
      return OpenError(destination.parent_path(), destination.filename(), errno);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FolderHandle::ReadFileAtMost(const fs::path& relative,
                                                         uint64_t max_bytes) const {
  uint64_t size = 0;
  ASSIGN_OR_RETURN(UniqueFd fd, OpenPlainFile(relative, &size));
  if (size > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(Shown(path_ / relative), " is ", size,
                                                   " bytes, over the ", max_bytes,
                                                   " this file may have"));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OpenError(path_, relative, errno);
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

absl::Status FolderHandle::WriteFileAtomically(absl::string_view name,
                                               absl::string_view contents) const {
  if (!IsPlainName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name.substr(0, 256), "\" is not a file name"));
  }
  const std::string tmp = TemporaryName(name);
  UniqueFd fd(
      openat(fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) return OpenError(path_, tmp, errno);
  auto fail = [&](int err) {
    unlinkat(fd_.get(), tmp.c_str(), 0);
    return OpenError(path_, std::string(name), err);
  };
  if (!WriteAll(fd.get(), contents.data(), contents.size())) return fail(errno);
  if (fsync(fd.get()) != 0) return fail(errno);
  // renameat replaces a link named `name` itself, never what it points to.
  if (renameat(fd_.get(), tmp.c_str(), fd_.get(), std::string(name).c_str()) != 0)
    return fail(errno);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<FolderHandle::Entry>> FolderHandle::List(size_t max_entries) const {
  const int fd = OpenBeneath(fd_.get(), ".", O_RDONLY | O_DIRECTORY, /*no_links=*/true);
  if (fd < 0) return OpenError(path_, ".", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(fdopendir(fd), closedir);
  if (dir == nullptr) {
    const int err = errno;
    close(fd);
    return OpenError(path_, ".", err);
  }
  std::vector<Entry> entries;
  errno = 0;
  while (const dirent* e = readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (entries.size() >= max_entries) {
      return absl::FailedPreconditionError(
          absl::StrCat(Shown(path_), " holds more than ", max_entries, " entries; split it"));
    }
    Entry entry{.name = name};
    struct stat st {};
    if (fstatat(dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISREG(st.st_mode)) {
        entry.kind = EntryKind::kFile;
        entry.size_bytes = static_cast<uint64_t>(st.st_size);
      } else if (S_ISDIR(st.st_mode)) {
        entry.kind = EntryKind::kFolder;
      } else if (S_ISLNK(st.st_mode)) {
        entry.kind = EntryKind::kLink;
      }
    }
    entries.push_back(std::move(entry));
    errno = 0;
  }
  if (errno != 0) return OpenError(path_, ".", errno);
  return entries;
}

absl::StatusOr<bool> FolderHandle::Contains(absl::string_view name) const {
  if (!IsPlainName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name.substr(0, 256), "\" is not a file name"));
  }
  struct stat st {};
  if (fstatat(fd_.get(), std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  return OpenError(path_, std::string(name), errno);
}

absl::StatusOr<uint64_t> FolderHandle::AvailableBytes() const {
  struct statvfs st {};
  if (fstatvfs(fd_.get(), &st) != 0) return OpenError(path_, ".", errno);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

std::string FolderHandle::ProcPath() const { return absl::StrCat("/proc/self/fd/", fd_.get()); }

}  // namespace infaas
