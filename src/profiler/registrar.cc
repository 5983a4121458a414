#include "profiler/registrar.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "backend/model_config.h"
#include "backend/onnx_compat.h"
#include "backend/tensor.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "profiler/config_inference.h"
#include "profiler/framework_agreement.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;

// The framework configs to profile: the uploaded one, plus the same model in
// the other framework when its file sits beside it.
std::vector<v1::ModelConfig> FrameworkConfigs(const v1::ModelConfig& base, const fs::path& folder) {
  std::vector<v1::ModelConfig> configs = {base};
  const fs::path model_file(base.model_file());
  const std::pair<v1::Framework, const char*> others[] = {{v1::FRAMEWORK_TORCHSCRIPT, ".pt"},
                                                          {v1::FRAMEWORK_ONNX, ".onnx"}};
  for (const auto& [framework, extension] : others) {
    if (framework == base.framework()) continue;
    fs::path sibling = model_file;
    sibling.replace_extension(extension);
    if (fs::is_regular_file(folder / sibling)) {
      v1::ModelConfig c = base;
      c.set_framework(framework);
      c.set_model_file(sibling.generic_string());
      configs.push_back(std::move(c));
    }
  }
  return configs;
}

absl::StatusOr<std::vector<std::string>> LabelsOf(const v1::ModelConfig& config,
                                                  const fs::path& folder) {
  if (config.label_file().empty()) return std::vector<std::string>{};
  return ReadLabelFile((folder / config.label_file()).string());
}

// Whether `tenant` (empty: the operator) may know of `record`.
bool VisibleTo(const v1::VariantRecord& record, const std::string& tenant) {
  return tenant.empty() || record.is_public() || record.owner_tenant().empty() ||
         record.owner_tenant() == tenant;
}

// A refusal names the model or variant in the way only to a tenant that may
// see it: another tenant's private model stays unnamed.
absl::Status RejectIfRegistered(store::MetadataStore& store, const v1::ModelConfig& config,
                                const std::string& tenant) {
  v1::VariantFilter filter;
  filter.set_architecture(config.architecture());
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> existing, store.ListVariants(filter));
  for (const v1::VariantRecord& r : existing) {
    if (r.repository_model() == config.name() && VisibleTo(r, tenant)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "model \"", config.name(), "\" is already registered (e.g. variant ", r.config().name(),
          "); give the config another name to register "
          "it again"));
    }
  }
  // Variants are named after the architecture: another model's would be
  // replaced.
  if (existing.empty()) return absl::OkStatus();
  if (!VisibleTo(existing.front(), tenant)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "the architecture name \"", config.architecture(),
        "\" is taken (architecture names are shared by all tenants); give this model's config "
        "another architecture name"));
  }
  return absl::AlreadyExistsError(
      absl::StrCat("architecture \"", config.architecture(),
                   "\" already belongs to another model (", existing.front().repository_model(),
                   "); give this model's config another architecture name"));
}

// An ONNX config's file, rewritten beside the original when it holds a form
// the ONNX backend cannot load (backend/onnx_compat.h); `config` then names
// the rewrite.
absl::Status PrepareOnnxFile(v1::ModelConfig& config, repository::StoredModel& stored,
                             repository::ModelRepository& repository, const NoteFn& note) {
  ASSIGN_OR_RETURN(const std::string bytes,
                   ReadFileAtMost(stored.folder / config.model_file(), backend::kMaxOnnxFileBytes));
  absl::StatusOr<backend::OnnxRewrite> rewrite = backend::RewriteOnnxForOpenCv(bytes);
  if (!rewrite.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config.model_file(), ": ", rewrite.status().message()));
  }
  if (!rewrite->changed()) return absl::OkStatus();
  fs::path derived(config.model_file());
  derived.replace_extension(".opencv.onnx");
  std::error_code ec;
  if (fs::exists(stored.folder / derived, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the upload has ", derived.generic_string(), " beside ", config.model_file(),
                     "; registration writes that file (the rewrite of ", config.model_file(),
                     " for the ONNX backend): remove it from the upload"));
  }
  ASSIGN_OR_RETURN(v1::ModelFile file,
                   repository.AddFile(stored.name, derived.generic_string(), rewrite->model_bytes));
  note(absl::StrCat(config.model_file(), " (opset ", rewrite->opset,
                    ") rewritten for the ONNX backend as ", file.path(), ": ",
                    absl::StrJoin(rewrite->changes, "; "), " (the original is kept beside it)"));
  stored.files.push_back(std::move(file));
  config.set_model_file(derived.generic_string());
  return absl::OkStatus();
}

// Steps 3 and 4 on the stored copy; the caller rolls back on error.
absl::StatusOr<std::vector<v1::VariantRecord>> ProfileAndPlan(
    const RegistrationRequest& request, v1::ModelConfig config, const TensorInference& inferred,
    repository::StoredModel& stored, repository::ModelRepository& repository,
    const RegistrationOptions& options, const ProgressFn& progress, const NoteFn& note) {
  ASSIGN_OR_RETURN(const std::vector<std::string> labels, LabelsOf(config, stored.folder));
  ValidationSet validation;
  if (!request.validation_url.empty()) {
    progress("load validation set", 0.1);
    ASSIGN_OR_RETURN(validation,
                     LoadValidationSet(request.validation_url, labels, options.validation_limit));
  }
  const int cores = options.cores > 0
                        ? options.cores
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<v1::ModelConfig> configs = FrameworkConfigs(config, stored.folder);
  for (v1::ModelConfig& c : configs) {
    if (c.framework() == v1::FRAMEWORK_ONNX) {
      progress("check ONNX file", 0.12);
      RETURN_IF_ERROR(PrepareOnnxFile(c, stored, repository, note));
    }
  }
  const std::vector<int> thread_counts = ThreadCountsToTry(cores);
  const double steps = static_cast<double>(configs.size() * thread_counts.size());
  const InstanceMeasurer measure = options.measure ? options.measure : MeasureInstance;
  std::vector<InstanceMeasurement> measured;
  for (const v1::ModelConfig& c : configs) {
    for (int threads : thread_counts) {
      progress(absl::StrCat("profile ", FrameworkShortName(c.framework()), " cpu", threads),
               0.15 + 0.8 * static_cast<double>(measured.size()) / steps);
      // Accuracy does not depend on the thread count: measure it once.
      const bool with_accuracy = threads == thread_counts.front() && !validation.examples.empty();
      ASSIGN_OR_RETURN(InstanceMeasurement m, measure(c, stored.folder, threads, options.profile,
                                                      with_accuracy ? &validation : nullptr));
      if (!with_accuracy && !measured.empty() && measured.back().framework == m.framework) {
        m.accuracy_percent = measured.back().accuracy_percent;
        m.validation_samples = measured.back().validation_samples;
      }
      measured.push_back(std::move(m));
    }
  }
  RETURN_IF_ERROR(CheckFrameworksAgree(measured, config.name()));
  if (configs.size() > 1) {
    note(absl::StrCat("the ", configs.size(),
                      " framework files agree on a probe input (max difference within 1e-4 + "
                      "1e-3 x the largest output)"));
  }
  if (inferred.output_dims_to_measure) {
    const std::vector<int64_t>& dims = measured.front().output_dims;
    if (dims.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model \"", config.name(),
          "\": the output has no dimension beside the batch; give output dims in the config"));
    }
    config.mutable_output()->mutable_dims()->Assign(dims.begin(), dims.end());
    note(absl::StrCat("output \"", config.output().name(), "\" ", backend::ShapeToString(dims),
                      " measured by running the model"));
  }
  double profiling_ms = 0;
  for (const InstanceMeasurement& m : measured) profiling_ms += m.profiling_ms;
  note(absl::StrFormat(
      "profiled %d instances in %.1f s (batch sizes %s, each timed until its "
      "median is known to %.0f%%)",
      measured.size(), profiling_ms / 1000,
      absl::StrJoin(BatchSizesToMeasure(backend::EffectiveMaxBatchSize(config)), ","),
      100 * options.profile.median_precision));
  std::vector<v1::VariantRecord> records =
      PlanVariants(config, measured, options.min_thread_speedup);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (v1::VariantRecord& r : records) {
    r.set_repository_model(stored.name);
    r.set_owner_tenant(request.owner_tenant);
    r.set_is_public(request.is_public);
    r.set_registered_at_unix_ms(now_ms);
    r.mutable_profile()->set_measured_on(absl::StrCat("x86_64 ", cores, " cores"));
    r.mutable_profile()->set_measured_at_unix_ms(now_ms);
    for (const v1::ModelFile& f : stored.files) *r.add_files() = f;
    r.mutable_labels()->Assign(labels.begin(), labels.end());
  }
  return records;
}

}  // namespace

absl::StatusOr<std::vector<v1::VariantRecord>> RegisterModel(
    const RegistrationRequest& request, repository::ModelRepository& repository,
    store::MetadataStore& store, const RegistrationOptions& options, const ProgressFn& progress,
    const NoteFn& note_fn) {
  const NoteFn note = [&](absl::string_view text) {
    LogInfo("registration", {{"note", text}});
    if (note_fn) note_fn(text);
  };
  progress("check config", 0.0);
  std::string text = request.config_text;
  if (text.empty()) {
    ASSIGN_OR_RETURN(text, ReadFile(request.config_path));
  }
  ASSIGN_OR_RETURN(v1::ModelConfig config,
                   backend::ParseModelConfig(text, request.config_path.string()));
  const fs::path source_folder = fs::is_directory(request.model_source)
                                     ? request.model_source
                                     : request.model_source.parent_path();
  std::vector<std::string> inferred_notes;
  ASSIGN_OR_RETURN(const TensorInference inferred,
                   InferTensorSpecs(config, source_folder, inferred_notes));
  for (const std::string& n : inferred_notes) note(n);
  RETURN_IF_ERROR(
      backend::ValidateModelConfig(config, source_folder, request.config_path.string()));
  RETURN_IF_ERROR(RejectIfRegistered(store, config, request.owner_tenant));

  progress("copy into repository", 0.05);
  ASSIGN_OR_RETURN(repository::StoredModel stored,
                   repository.AddModel(config.name(), request.model_source));
  absl::StatusOr<std::vector<v1::VariantRecord>> records =
      ProfileAndPlan(request, config, inferred, stored, repository, options, progress, note);
  if (records.ok()) {
    progress("write catalogue", 0.97);
    if (absl::Status s = store.PutVariants(*records); !s.ok()) records = s;
  }
  if (!records.ok()) {
    repository.RemoveModel(stored.name).IgnoreError();
    return records.status();
  }
  progress("done", 1.0);
  LogInfo("model registered", {{"model", config.name()},
                               {"variants", absl::StrCat(records->size())},
                               {"store", store.Describe()}});
  return records;
}

absl::StatusOr<int> FillMissingLabels(store::MetadataStore& store,
                                      const std::filesystem::path& repository_root) {
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> records, store.ListVariants({}));
  std::vector<v1::VariantRecord> filled;
  for (v1::VariantRecord& r : records) {
    if (r.config().label_file().empty() || r.labels_size() > 0) continue;
    absl::StatusOr<std::vector<std::string>> labels =
        LabelsOf(r.config(), repository_root / r.repository_model());
    if (!labels.ok()) {
      LogWarning("labels unreadable",
                 {{"variant", r.config().name()}, {"error", labels.status().ToString()}});
      continue;
    }
    r.mutable_labels()->Assign(labels->begin(), labels->end());
    filled.push_back(std::move(r));
  }
  if (!filled.empty()) RETURN_IF_ERROR(store.PutVariants(filled));
  return static_cast<int>(filled.size());
}

}  // namespace infaas::profiler
