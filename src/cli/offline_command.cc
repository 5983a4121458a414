#include <iostream>

#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"

namespace infaas::cli {
namespace {

struct OfflineFlags {
  std::string input_url;
  std::string output_url;
  std::string architecture;
  bool raw = false;
  std::string master;
};

absl::Status RunOffline(const OfflineFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::SubmitOfflineJobRequest request;
  request.set_input_url(flags.input_url);
  request.set_output_url(flags.output_url);
  request.mutable_requirements()->set_architecture(flags.architecture);
  request.set_raw_output(flags.raw);
  v1::SubmitOfflineJobResponse response;
  if (grpc::Status s = master.stub().SubmitOfflineJob(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << "job " << response.job_id() << " scheduled\n";
  return absl::OkStatus();
}

}  // namespace

void AddOfflineCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<OfflineFlags>();
  CLI::App* cmd = app.add_subcommand(
      "offline",
      "Submit an offline job: run ARCH over every input in INPUT_URL and write the results\n"
      "to OUTPUT_URL (alias: infaas_offline_query INPUT_URL OUTPUT_URL ARCH). Prints the job\n"
      "id once scheduled. Paths are read by the master.\n"
      "Example:\n"
      "  infaas offline file:///data/in file:///data/out lenet5");
  cmd->add_option("input_url", flags->input_url, "Folder of inputs (file:// URL or path)")
      ->required();
  cmd->add_option("output_url", flags->output_url, "Folder for the results")->required();
  cmd->add_option("architecture", flags->architecture, "Architecture to run")->required();
  cmd->add_flag("--raw", flags->raw, "Write raw output tensors instead of top-k JSON");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback(
      [flags, exit_code] { ReportCommandStatus("offline", RunOffline(*flags), exit_code); });
}

}  // namespace infaas::cli
