#include "common/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infaas {
namespace {

absl::Status ErrnoStatus(absl::string_view what, const std::filesystem::path& path, int err) {
  const std::string msg = absl::StrCat(what, " ", path.string(), ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    case ENOSPC:
      return absl::ResourceExhaustedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

std::string HexDigest(EVP_MD_CTX* ctx) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &len);
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

DigestContext NewSha256() {
  DigestContext ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  return ctx;
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot read", path, errno);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return ErrnoStatus("error reading", path, errno);
  return contents;
}

absl::StatusOr<std::string> ReadFileAtMost(const std::filesystem::path& path, uint64_t max_bytes) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " is ", size, " bytes; at most ", max_bytes, " are read"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot read", path, errno);
  // Read no more than the limit even if the file grew since it was measured.
  std::string contents;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    if (contents.size() + static_cast<uint64_t>(in.gcount()) > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), " grew past ", max_bytes, " bytes while it was read"));
    }
    contents.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return ErrnoStatus("error reading", path, errno);
  return contents;
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, absl::string_view contents) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::filesystem::path tmp =
      path.parent_path() / absl::StrFormat(".%s.tmp-%016x", path.filename().string(), rng());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return ErrnoStatus("cannot write", tmp, err);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("cannot flush", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("cannot rename into place", path, err);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot read", path, errno);
  DigestContext ctx = NewSha256();
  std::array<char, 1 << 16> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return ErrnoStatus("error reading", path, errno);
  return HexDigest(ctx.get());
}

std::string Sha256OfBytes(absl::string_view bytes) {
  DigestContext ctx = NewSha256();
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  return HexDigest(ctx.get());
}

absl::StatusOr<std::filesystem::path> PathFromFileUrl(absl::string_view url) {
  constexpr absl::string_view kFileScheme = "file://";
  if (absl::StartsWith(url, kFileScheme))
    url.remove_prefix(kFileScheme.size());
  else if (absl::StrContains(url, "://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported URL \"", url, "\": use a file:// URL or a plain path"));
  }
  if (url.empty()) return absl::InvalidArgumentError("empty path: give a file:// URL or a path");
  return std::filesystem::path(std::string(url));
}

}  // namespace infaas
