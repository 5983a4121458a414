// infaas: the command-line front end of INFaaS.
//
//   infaas up                      # master + worker in the background, zoo registered
//   infaas query -t classification -D fashion-mnist -A 90 -l 20 -i models/zoo/samples/bag_0018.png
//   infaas down
//
// Invoked through one of the original tool names (infaas_online_query,
// infaas_modelregistration, infaas_modarch, infaas_modinfo,
// infaas_offline_query; symlinks in build/bin) it runs the matching
// subcommand.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/tool_aliases.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  infaas::InitLogging("infaas", infaas::LogLevel::kWarning);
  CLI::App app(
      "INFaaS: model-less inference serving. Register models once; queries say what they need\n"
      "(a task and accuracy, an architecture, or a variant, with a latency target) and INFaaS\n"
      "picks the variant, the worker and the batch.",
      "infaas");
  app.require_subcommand(1);
  std::string log_level = "warning";
  app.add_option("--log-level", log_level, "debug, info, warning or error")->capture_default_str();
  app.parse_complete_callback(
      [&log_level] { infaas::SetLogLevel(infaas::ParseLogLevel(log_level)); });
  int exit_code = 0;
  infaas::cli::AddUpCommand(app, &exit_code);
  infaas::cli::AddDownCommand(app, &exit_code);
  infaas::cli::AddStatusCommand(app, &exit_code);
  infaas::cli::AddTopCommand(app, &exit_code);
  infaas::cli::AddRegisterCommand(app, &exit_code);
  infaas::cli::AddModarchCommand(app, &exit_code);
  infaas::cli::AddModinfoCommand(app, &exit_code);
  infaas::cli::AddQueryCommand(app, &exit_code);
  infaas::cli::AddOfflineCommand(app, &exit_code);
  infaas::cli::AddJobsCommand(app, &exit_code);
  infaas::cli::AddAccessCommands(app, &exit_code);
  infaas::cli::AddProfileCommand(app, &exit_code);
  infaas::cli::AddCatalogCommand(app, &exit_code);

  std::vector<std::string> args =
      infaas::cli::ExpandAlias(std::vector<std::string>(argv, argv + argc));
  std::vector<char*> expanded;
  for (std::string& arg : args) expanded.push_back(arg.data());
  expanded.push_back(nullptr);
  CLI11_PARSE(app, static_cast<int>(args.size()), expanded.data());
  return exit_code;
}
