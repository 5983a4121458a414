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

absl::Status FolderError(const fs::path& folder, const std::error_code& ec) {
  const std::string text =
      absl::StrCat("cannot read the input folder ", folder.string(), ": ", ec.message());
  if (ec == std::errc::permission_denied) return absl::PermissionDeniedError(text);
  return absl::InternalError(text);
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

absl::Status CheckInputFolder(const fs::path& folder) {
  std::error_code ec;
  const fs::file_status status = fs::status(folder, ec);
  if (!fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat("the input folder ", folder.string(),
                                            " does not exist; give a folder of inputs"));
  }
  if (!fs::is_directory(status)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the input location ", folder.string(), " is not a folder; give a folder of ", kAccepted));
  }
  return absl::OkStatus();
}

absl::StatusOr<JobInputs> ListJobInputs(const fs::path& folder, bool raw_output) {
  RETURN_IF_ERROR(CheckInputFolder(folder));
  std::error_code ec;
  std::vector<fs::path> files;
  JobInputs inputs;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".")) continue;
    // Never followed: a link could name any file the master may read.
    std::error_code status_ec;
    const fs::file_status status = it->symlink_status(status_ec);
    if (fs::is_symlink(status)) {
      inputs.rejected.push_back(
          Rejected(name, "a symbolic link; a job reads only plain files of its folder"));
      continue;
    }
    if (!fs::is_regular_file(status)) continue;  // folders, FIFOs, devices, sockets
    if (const uintmax_t size = it->file_size(status_ec);
        !status_ec && size > static_cast<uintmax_t>(kMaxInputFileBytes)) {
      inputs.rejected.push_back(
          Rejected(name, absl::StrCat(size, " bytes, over the ", kMaxInputFileBytes >> 20,
                                      " MiB an input may have")));
      continue;
    }
    files.push_back(it->path());
  }
  if (ec) return FolderError(folder, ec);
  std::sort(files.begin(), files.end());

  // Result name -> the input that claimed it first.
  std::map<std::string, std::string> claimed = {{std::string(kSummaryFileName), "the job summary"}};
  for (const fs::path& path : files) {
    const std::string name = path.filename().string();
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
    inputs.items.push_back({name, path, *kind, output});
  }
  std::sort(inputs.rejected.begin(), inputs.rejected.end(),
            [](const v1::OfflineItemFailure& a, const v1::OfflineItemFailure& b) {
              return a.input() < b.input();
            });
  return inputs;
}

}  // namespace infaas::offline
