#include "common/secret_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace infaas {
namespace {

constexpr size_t kMaxSecretBytes = 4096;

std::string Errno() { return std::strerror(errno); }

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path.string(), " does not exist"));
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the secret in ", path.string(), ": ", Errno()));
  }
  struct stat st {};
  std::string text;
  absl::Status status = absl::OkStatus();
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    status = absl::FailedPreconditionError(
        absl::StrCat(path.string(), " is not a regular file; a secret must be one"));
  } else if ((st.st_mode & 077) != 0) {
    status = absl::FailedPreconditionError(
        absl::StrCat(path.string(), " may be read by other users; run: chmod 600 ", path.string()));
  } else if (st.st_size <= 0 || static_cast<size_t>(st.st_size) > kMaxSecretBytes) {
    status = absl::FailedPreconditionError(
        absl::StrCat(path.string(), " must hold a secret of 1 to ", kMaxSecretBytes, " bytes"));
  } else {
    text.resize(static_cast<size_t>(st.st_size));
    const ssize_t n = ::read(fd, text.data(), text.size());
    if (n != st.st_size) {
      status = absl::FailedPreconditionError(
          absl::StrCat("cannot read the secret in ", path.string(), ": ", Errno()));
    }
  }
  ::close(fd);
  RETURN_IF_ERROR(status);
  text = std::string(absl::StripAsciiWhitespace(text));
  if (text.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(path.string(), " holds no secret"));
  }
  return text;
}

absl::Status WriteSecretFile(const std::filesystem::path& path, absl::string_view secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path.string(), " exists"));
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path.string(), ": ", Errno()));
  }
  const std::string text = absl::StrCat(secret, "\n");
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EnsureSecretFile(const std::filesystem::path& path) {
  absl::StatusOr<std::string> kept = ReadSecretFile(path);
  if (!absl::IsNotFound(kept.status())) return kept;
  std::string raw(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    return absl::InternalError("the system's random source failed; no secret was made");
  }
  const std::string secret = absl::BytesToHexString(raw);
  absl::Status written = WriteSecretFile(path, secret);
  // Another process made it first: use theirs.
  if (absl::IsAlreadyExists(written)) return ReadSecretFile(path);
  RETURN_IF_ERROR(written);
  return secret;
}

bool SecretsEqual(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace infaas
