#include "cli/query_form.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

absl::Status FormError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, "; valid forms: ", kQueryForms));
}

// The flags of other forms that `r` sets, e.g. "-t, -A".
std::vector<std::string> FlagsBeyond(const QueryRequirements& r, QueryForm form) {
  std::vector<std::string> extra;
  if (form != QueryForm::kArchitecture && !r.architecture.empty()) extra.push_back("-a");
  if (form != QueryForm::kTaskAndDataset) {
    if (!r.task.empty()) extra.push_back("-t");
    if (!r.dataset.empty()) extra.push_back("-D");
    if (r.min_accuracy.has_value()) extra.push_back("-A");
  }
  return extra;
}

absl::Status CheckLatency(const QueryRequirements& r, bool required) {
  if (!r.latency_ms.has_value()) {
    return required ? FormError("-l MS (the latency target) is required with this form")
                    : absl::OkStatus();
  }
  if (!(*r.latency_ms > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("-l ", *r.latency_ms, ": the latency target must be > 0 ms"));
  }
  return absl::OkStatus();
}

QueryForm FormOf(const QueryRequirements& r) {
  if (!r.variant.empty()) return QueryForm::kVariant;
  if (!r.architecture.empty()) return QueryForm::kArchitecture;
  return QueryForm::kTaskAndDataset;
}

}  // namespace

absl::StatusOr<QueryForm> ValidateQueryForm(const QueryRequirements& r) {
  const QueryForm form = FormOf(r);
  if (std::vector<std::string> extra = FlagsBeyond(r, form); !extra.empty()) {
    return FormError(absl::StrCat(form == QueryForm::kVariant ? "-v" : "-a",
                                  " cannot be combined with ", absl::StrJoin(extra, ", ")));
  }
  if (form == QueryForm::kTaskAndDataset) {
    std::vector<std::string> missing;
    if (r.task.empty()) missing.push_back("-t TASK");
    if (r.dataset.empty()) missing.push_back("-D DATASET");
    if (!r.min_accuracy.has_value()) missing.push_back("-A ACCURACY");
    if (!r.latency_ms.has_value()) missing.push_back("-l MS");
    if (missing.size() == 4) return FormError("say what to run");
    if (!missing.empty()) return FormError(absl::StrCat("missing ", absl::StrJoin(missing, ", ")));
    RETURN_IF_ERROR(AccuracyPercent(*r.min_accuracy).status());
  }
  RETURN_IF_ERROR(CheckLatency(r, form != QueryForm::kVariant));
  return form;
}

absl::StatusOr<double> AccuracyPercent(double value) {
  if (!(value >= 0 && value <= 100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "-A ", value, ": the minimum accuracy is a percentage in 0..100 (or a fraction <= 1)"));
  }
  return value <= 1 ? value * 100 : value;
}

absl::StatusOr<std::vector<int64_t>> ParseInputDims(absl::string_view text) {
  std::vector<int64_t> dims;
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar(",x"))) {
    int64_t dim = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &dim) || dim <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("-d \"", text,
                       "\": give one size (28: height = width) or dims of one "
                       "example separated by commas (1,28,28)"));
    }
    dims.push_back(dim);
  }
  return dims;
}

absl::StatusOr<v1::QueryOnlineRequest> BuildQueryRequest(
    const QueryRequirements& r, const std::vector<std::string>& image_files,
    absl::string_view input_dims) {
  ASSIGN_OR_RETURN(QueryForm form, ValidateQueryForm(r));
  if (image_files.empty()) {
    return absl::InvalidArgumentError("give at least one input with -i FILE (repeat for a batch)");
  }
  v1::QueryOnlineRequest request;
  request.set_variant(r.variant);
  request.set_architecture(r.architecture);
  request.set_task(r.task);
  request.set_dataset(r.dataset);
  if (form == QueryForm::kTaskAndDataset) {
    ASSIGN_OR_RETURN(double percent, AccuracyPercent(*r.min_accuracy));
    request.set_min_accuracy_percent(percent);
  }
  request.set_latency_slo_ms(r.latency_ms.value_or(0));
  if (!input_dims.empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> dims, ParseInputDims(input_dims));
    for (int64_t d : dims) request.add_input_dims(d);
  }
  for (const std::string& file : image_files) {
    if (std::filesystem::is_directory(file)) {
      return absl::InvalidArgumentError(absl::StrCat("input ", file, " is a folder, not an image"));
    }
    ASSIGN_OR_RETURN(std::string bytes, ReadFile(file));
    if (bytes.empty()) return absl::InvalidArgumentError(absl::StrCat("input ", file, " is empty"));
    request.add_inputs()->set_encoded_image(std::move(bytes));
  }
  return request;
}

}  // namespace infaas::cli
