#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"

namespace infaas::cli {
namespace {

struct ModarchFlags {
  std::string task;
  std::string dataset;
  std::string master;
  bool json = false;
};

absl::Status RunModarch(const ModarchFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::ListArchitecturesRequest request;
  request.set_task(flags.task);
  request.set_dataset(flags.dataset);
  v1::ListArchitecturesResponse response;
  if (grpc::Status s = master.stub().ListArchitectures(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  if (flags.json) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(response, &json);
    std::cout << json << "\n";
    return absl::OkStatus();
  }
  for (const std::string& architecture : response.architectures()) {
    std::cout << architecture << "\n";
  }
  // Like the original, stdout stays empty for scripts; a person gets a hint.
  if (response.architectures_size() == 0) {
    std::cerr << (flags.task.empty() && flags.dataset.empty()
                      ? "no architecture is registered (register one with: infaas register "
                        "CONFIG)\n"
                      : "no architecture is registered for this task and dataset; list every "
                        "one with: infaas modarch\n");
  }
  return absl::OkStatus();
}

}  // namespace

void AddModarchCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ModarchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "modarch",
      "List the architectures registered for a task and dataset, one per line (alias:\n"
      "infaas_modarch TASK DATASET). Without arguments, lists every architecture. Prints\n"
      "nothing on stdout (and a hint on stderr) when none matches; exits 0 either way.\n"
      "Example:\n"
      "  infaas modarch classification fashion-mnist");
  cmd->add_option("task", flags->task, "Task, e.g. classification (empty: any)");
  cmd->add_option("dataset", flags->dataset, "Dataset, e.g. fashion-mnist (empty: any)");
  cmd->add_flag("--json", flags->json,
                "The ListArchitecturesResponse message as JSON ({\"architectures\": [...]})");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback(
      [flags, exit_code] { ReportCommandStatus("modarch", RunModarch(*flags), exit_code); });
}

}  // namespace infaas::cli
