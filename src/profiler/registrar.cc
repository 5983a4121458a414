#include "profiler/registrar.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"

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

absl::Status RejectIfRegistered(store::MetadataStore& store, const v1::ModelConfig& config) {
  v1::VariantFilter filter;
  filter.set_architecture(config.architecture());
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> existing, store.ListVariants(filter));
  for (const v1::VariantRecord& r : existing) {
    if (r.repository_model() == config.name()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "model \"", config.name(), "\" is already registered (e.g. variant ", r.config().name(),
          "); give the config another name to register "
          "it again"));
    }
  }
  // Variants are named after the architecture: another model's would be
  // replaced.
  if (!existing.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("architecture \"", config.architecture(),
                     "\" already belongs to another model (", existing.front().repository_model(),
                     "); give this model's config another architecture name"));
  }
  return absl::OkStatus();
}

// Steps 3 and 4 on the stored copy; the caller rolls back on error.
absl::StatusOr<std::vector<v1::VariantRecord>> ProfileAndPlan(const RegistrationRequest& request,
                                                              const v1::ModelConfig& config,
                                                              const repository::StoredModel& stored,
                                                              const RegistrationOptions& options,
                                                              const ProgressFn& progress) {
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
  const std::vector<v1::ModelConfig> configs = FrameworkConfigs(config, stored.folder);
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
    store::MetadataStore& store, const RegistrationOptions& options, const ProgressFn& progress) {
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
  RETURN_IF_ERROR(
      backend::ValidateModelConfig(config, source_folder, request.config_path.string()));
  RETURN_IF_ERROR(RejectIfRegistered(store, config));

  progress("copy into repository", 0.05);
  ASSIGN_OR_RETURN(repository::StoredModel stored,
                   repository.AddModel(config.name(), request.model_source));
  absl::StatusOr<std::vector<v1::VariantRecord>> records =
      ProfileAndPlan(request, config, stored, options, progress);
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
