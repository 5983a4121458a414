#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "cli/remote_registration.h"
#include "cli/variant_table.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

struct RegisterFlags {
  std::string config;
  std::string model_dir;
  std::string validation;
  std::string master;
  bool is_public = false;
};

absl::Status RunRegister(const RegisterFlags& flags) {
  const std::filesystem::path config(flags.config);
  ASSIGN_OR_RETURN(v1::RegisterModelRequest request,
                   RegistrationRequestFor(config, flags.model_dir, flags.validation));
  request.set_is_public(flags.is_public);
  MasterClient master(ResolveMasterAddress(flags.master));
  const std::string title =
      absl::StrCat("registering ", std::filesystem::path(request.model_url()).filename().string());
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants,
                   RegisterThroughMaster(master, request, title));
  std::cout << FormatVariantTable(variants);
  return absl::OkStatus();
}

}  // namespace

void AddRegisterCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RegisterFlags>();
  CLI::App* cmd = app.add_subcommand(
      "register",
      "Register a model with the running master (alias: infaas_modelregistration CONFIG DIR):\n"
      "the master copies it into its repository, profiles every variant worth serving and\n"
      "adds them to the catalogue. Shows progress, then the variants; the last line is\n"
      "SUCCEEDED or FAILED. Paths are sent absolute: the master must be able to read them.\n"
      "The model is your key's tenant's unless --public; an architecture that another model\n"
      "already has is refused (ALREADY_EXISTS): give the config another architecture name.\n"
      "Examples (on a master without the zoo: infaas up --no-zoo):\n"
      "  infaas register models/zoo/lenet5/config.pbtxt --validation models/zoo/validation\n"
      "  infaas_modelregistration models/zoo/mlp/config_onnx.pbtxt models/zoo/mlp");
  cmd->add_option("config", flags->config, "The model's config.pbtxt")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("model_dir", flags->model_dir,
                  "Folder with the model files (default: the config's folder)");
  cmd->add_option("--validation", flags->validation,
                  "Labelled validation set for measuring accuracy: a folder with an idx pair, "
                  "IMAGES,LABELS idx files, or a folder of class-named images");
  cmd->add_flag("--public", flags->is_public,
                "Every tenant may see and query it (default: only your key's tenant, and admins)");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback([flags, exit_code] {
    const absl::Status status = RunRegister(*flags);
    ReportCommandStatus("register", status, exit_code);
    std::cout << (status.ok() ? "SUCCEEDED" : "FAILED") << std::endl;
  });
}

}  // namespace infaas::cli
