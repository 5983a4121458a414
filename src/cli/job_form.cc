#include "cli/job_form.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/query_form.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

constexpr char kForms[] = "ARCH (or -a ARCH) | -v VARIANT | -t TASK -D DATASET [-A ACCURACY]";

absl::StatusOr<std::string> Location(const std::string& url, const char* what,
                                     const std::filesystem::path& working_folder) {
  if (url.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("give the ", what, " folder"));
  }
  if (absl::StrContains(url, "://")) return url;  // the master checks the scheme
  const std::filesystem::path path(url);
  return (path.is_absolute() ? path : working_folder / path).lexically_normal().string();
}

}  // namespace

absl::StatusOr<v1::SubmitOfflineJobRequest> BuildOfflineJobRequest(
    const OfflineJobFlags& flags, const std::filesystem::path& working_folder) {
  const int forms = !flags.architecture.empty() + !flags.variant.empty() +
                    (!flags.task.empty() || !flags.dataset.empty());
  if (forms != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        forms == 0 ? "say what the job runs on: " : "give one form only, not several: ", kForms));
  }
  if (flags.task.empty() != flags.dataset.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("-t and -D go together (task and dataset): ", kForms));
  }
  if (flags.min_accuracy.has_value() && flags.task.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("-A goes with -t TASK -D DATASET; drop it or use that form: ", kForms));
  }
  v1::SubmitOfflineJobRequest request;
  ASSIGN_OR_RETURN(*request.mutable_input_url(),
                   Location(flags.input_url, "input", working_folder));
  ASSIGN_OR_RETURN(*request.mutable_output_url(),
                   Location(flags.output_url, "output", working_folder));
  v1::OfflineRequirements* r = request.mutable_requirements();
  r->set_architecture(flags.architecture);
  r->set_variant(flags.variant);
  r->set_task(flags.task);
  r->set_dataset(flags.dataset);
  if (flags.min_accuracy.has_value()) {
    ASSIGN_OR_RETURN(const double percent, AccuracyPercent(*flags.min_accuracy));
    r->set_min_accuracy_percent(percent);
  }
  request.set_raw_output(flags.raw);
  return request;
}

}  // namespace infaas::cli
