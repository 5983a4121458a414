#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/local_state.h"
#include "cli/progress_bar.h"
#include "cli/variant_table.h"
#include "common/status_macros.h"
#include "profiler/registrar.h"
#include "repository/local_model_repository.h"
#include "store/metadata_store.h"

namespace infaas::cli {
namespace {

struct ProfileFlags {
  std::string config;
  std::string model;
  std::string validation;
  std::string store = DefaultStoreUrl();
  std::string repository = DefaultRepositoryUrl();
  int cores = 0;
  bool quick = false;
  bool skip_registered = false;
};

absl::Status RunProfile(const ProfileFlags& flags) {
  RETURN_IF_ERROR(EnsureDefaultFolders(flags.store, flags.repository));
  ASSIGN_OR_RETURN(auto store, store::OpenMetadataStore(flags.store));
  ASSIGN_OR_RETURN(auto repo, repository::LocalModelRepository::Open(flags.repository));
  profiler::RegistrationRequest request;
  request.config_path = flags.config;
  request.model_source =
      flags.model.empty() ? request.config_path.parent_path() : std::filesystem::path(flags.model);
  request.validation_url = flags.validation;
  profiler::RegistrationOptions options;
  options.cores = flags.cores;
  if (flags.quick) {
    options.profile.min_runs = 5;
    options.profile.max_runs = 20;
    options.profile.time_per_batch_size = absl::Milliseconds(50);
  }
  std::vector<v1::VariantRecord> variants;
  {
    ProgressBar bar(
        absl::StrCat("registering ", request.config_path.parent_path().filename().string()));
    absl::StatusOr<std::vector<v1::VariantRecord>> result = profiler::RegisterModel(
        request, *repo, *store, options,
        [&bar](absl::string_view stage, double fraction) { bar.Update(stage, fraction); },
        [&bar](absl::string_view note) { bar.Note(note); });
    if (flags.skip_registered && absl::IsAlreadyExists(result.status())) {
      std::cerr << result.status().message() << "; skipped\n";
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(result.status());
    variants = *std::move(result);
  }
  std::cout << FormatVariantTable(variants);
  std::cout << variants.size() << " variants registered in " << store->Describe() << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddProfileCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ProfileFlags>();
  CLI::App* cmd = app.add_subcommand(
      "profile",
      "Register a model on this machine: copy it into the repository, measure load latency,\n"
      "latency per batch size, memory and (with --validation) accuracy of every variant worth\n"
      "serving (frameworks x thread counts x max batch), and store them in the catalogue.");
  cmd->add_option("config", flags->config, "The model's config.pbtxt")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("model", flags->model,
                  "Folder or file with the model files (default: the config's folder)");
  cmd->add_option("--validation", flags->validation,
                  "Labelled validation set: a folder with an idx pair, IMAGES,LABELS idx files, "
                  "or a folder of class-named images");
  cmd->add_option("--store", flags->store, "Metadata store: sqlite:PATH or redis://HOST:PORT[/DB]")
      ->capture_default_str();
  cmd->add_option("--repo", flags->repository, "Model repository folder (file:// or path)")
      ->capture_default_str();
  cmd->add_option("--cores", flags->cores, "Try thread counts up to this (default: all cores)");
  cmd->add_flag("--quick", flags->quick, "Fewer timed runs: rougher figures, faster");
  cmd->add_flag("--skip-registered", flags->skip_registered,
                "Succeed without doing anything if the model is already registered");
  cmd->callback([flags, exit_code] {
    if (absl::Status s = RunProfile(*flags); !s.ok()) {
      std::cerr << "infaas profile: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace infaas::cli
