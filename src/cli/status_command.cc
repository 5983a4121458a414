#include <iostream>

#include "cli/cluster_table.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "google/protobuf/util/json_util.h"

namespace infaas::cli {
namespace {

struct StatusFlags {
  std::string master;
  int timeout_ms = 5000;
  bool json = false;
};

absl::Status RunStatus(const StatusFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Milliseconds(flags.timeout_ms));
  v1::ClusterStatus status;
  if (grpc::Status s = master.stub().GetClusterStatus(&context, {}, &status); !s.ok()) {
    return master.CallError(s);
  }
  if (flags.json) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(status, &json);
    std::cout << json << "\n";
    return absl::OkStatus();
  }
  std::cout << "master " << master.address() << ": " << status.workers_size() << " worker(s)\n\n"
            << FormatClusterStatus(status);
  if (status.workers_size() == 0) {
    std::cout << "start workers with `infaas up`, or: infaas-worker --master " << master.address()
              << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Show the workers the master knows (address, CPU use, free memory, cores) and the\n"
      "variants loaded on each (instances, queue length, recent QPS, p50/p99 latency).\n"
      "Example:\n"
      "  infaas status --master 127.0.0.1:50052");
  AddMasterOption(*cmd, &flags->master);
  cmd->add_option("--timeout-ms", flags->timeout_ms, "gRPC deadline")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "The ClusterStatus message as JSON");
  cmd->callback(
      [flags, exit_code] { ReportCommandStatus("status", RunStatus(*flags), exit_code); });
}

}  // namespace infaas::cli
