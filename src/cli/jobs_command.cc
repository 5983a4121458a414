#include <iostream>

#include "absl/strings/str_join.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/job_table.h"
#include "cli/job_watch.h"
#include "cli/master_client.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace infaas::cli {
namespace {

struct JobsFlags {
  std::vector<std::string> args;  // [], [ID] or [cancel, ID]
  bool json = false;
  bool wait = false;
  std::string master;
};

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json + "\n";
}

absl::Status ListJobs(MasterClient& master, const JobsFlags& flags) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::ListOfflineJobsResponse response;
  if (grpc::Status s = master.stub().ListOfflineJobs(&context, {}, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << (flags.json ? ToJson(response)
                           : FormatJobList({response.jobs().begin(), response.jobs().end()}));
  return absl::OkStatus();
}

absl::Status ShowJob(MasterClient& master, const JobsFlags& flags, const std::string& id) {
  ASSIGN_OR_RETURN(const v1::OfflineJob job,
                   flags.wait ? FollowJob(master, id) : FetchJob(master, id));
  std::cout << (flags.json ? ToJson(job) : FormatJobDetail(job));
  return absl::OkStatus();
}

absl::Status CancelJob(MasterClient& master, const JobsFlags& flags, const std::string& id) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::GetOfflineJobRequest request;
  request.set_job_id(id);
  v1::OfflineJob job;
  if (grpc::Status s = master.stub().CancelOfflineJob(&context, request, &job); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << (flags.json ? ToJson(job) : JobEndLine(job) + "\n");
  return absl::OkStatus();
}

absl::Status RunJobs(const JobsFlags& flags) {
  const std::vector<std::string>& args = flags.args;
  const bool cancel = !args.empty() && args[0] == "cancel";
  if (args.size() > 2 || (cancel && args.size() != 2) || (!cancel && args.size() == 2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected arguments \"", absl::StrJoin(args, " "),
                     "\"; use: infaas jobs | infaas jobs ID | infaas jobs cancel ID"));
  }
  MasterClient master(ResolveMasterAddress(flags.master));
  if (args.empty()) return ListJobs(master, flags);
  if (cancel) return CancelJob(master, flags, args[1]);
  return ShowJob(master, flags, args[0]);
}

}  // namespace

void AddJobsCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<JobsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "jobs",
      "Offline jobs: list them, show one (state, done/failed/total, rate, ETA, variants\n"
      "used, failed inputs with reasons) or cancel one (it stops handing out work; results\n"
      "already written stay).\n"
      "Examples:\n"
      "  infaas jobs\n"
      "  infaas jobs job-20250101-120000-3fa2c1 --wait\n"
      "  infaas jobs cancel job-20250101-120000-3fa2c1");
  cmd->add_option("args", flags->args, "Nothing (list), ID (show) or cancel ID");
  cmd->add_flag("--json", flags->json, "Print the job record(s) as JSON");
  cmd->add_flag("--wait", flags->wait, "With ID: follow the job with a progress bar until it ends");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback([flags, exit_code] { ReportCommandStatus("jobs", RunJobs(*flags), exit_code); });
}

}  // namespace infaas::cli
