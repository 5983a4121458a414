#include "cli/remote_registration.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/progress_bar.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

std::string AbsolutePath(const std::filesystem::path& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

// Local paths in a validation URL ("DIR" or "IMAGES,LABELS") made absolute;
// URLs with a scheme pass unchanged.
std::string AbsoluteValidationUrl(absl::string_view url) {
  if (url.empty() || absl::StrContains(url, "://")) return std::string(url);
  std::vector<std::string> parts = absl::StrSplit(url, ',');
  for (std::string& part : parts) {
    if (std::filesystem::exists(part)) part = AbsolutePath(part);
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

absl::StatusOr<v1::RegisterModelRequest> RegistrationRequestFor(
    const std::filesystem::path& config, const std::filesystem::path& model_dir,
    absl::string_view validation_url) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(config));
  const std::filesystem::path folder = model_dir.empty() ? config.parent_path() : model_dir;
  if (!std::filesystem::exists(folder.empty() ? "." : folder)) {
    return absl::NotFoundError(absl::StrCat("model folder ", folder.string(), " does not exist"));
  }
  v1::RegisterModelRequest request;
  request.set_config_pbtxt(std::move(text));
  request.set_model_url(AbsolutePath(folder.empty() ? "." : folder));
  request.set_validation_url(AbsoluteValidationUrl(validation_url));
  if (const char* user = std::getenv("USER"); user != nullptr) request.set_submitter(user);
  return request;
}

absl::StatusOr<std::vector<v1::VariantRecord>> RegisterThroughMaster(
    MasterClient& master, const v1::RegisterModelRequest& request, absl::string_view title) {
  grpc::ClientContext context;
  v1::RegisterModelProgress progress;
  v1::RegisterModelProgress last;
  std::unique_ptr<grpc::ClientReader<v1::RegisterModelProgress>> reader =
      master.stub().RegisterModel(&context, request);
  {
    ProgressBar bar{std::string(title)};
    while (reader->Read(&progress)) {
      if (!progress.note().empty()) {
        bar.Note(progress.note());
        continue;
      }
      bar.Update(progress.stage(), progress.fraction());
      last = progress;
    }
  }
  if (grpc::Status status = reader->Finish(); !status.ok()) return master.CallError(status);
  return std::vector<v1::VariantRecord>(last.variants().begin(), last.variants().end());
}

}  // namespace infaas::cli
