#include "common/files.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/folder_handle.h"
#include "common/status_macros.h"

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
  ASSIGN_OR_RETURN(
      const FolderHandle folder,
      FolderHandle::Open(path.has_parent_path() ? path.parent_path() : std::filesystem::path(".")));
  return folder.WriteFileAtomically(path.filename().string(), contents);
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
