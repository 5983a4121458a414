// infaas: the command-line front end of INFaaS.
//
//   infaas profile models/zoo/lenet5/config.pbtxt --validation models/zoo/validation
//   infaas catalog

#include <CLI/CLI.hpp>

#include "cli/commands.h"
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
  infaas::cli::AddProfileCommand(app, &exit_code);
  infaas::cli::AddCatalogCommand(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
