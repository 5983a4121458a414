#include <filesystem>
#include <iostream>

#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/job_form.h"
#include "cli/job_watch.h"
#include "cli/master_client.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

struct OfflineFlags {
  OfflineJobFlags job;
  bool wait = false;
  std::string master;
};

absl::Status RunOffline(const OfflineFlags& flags) {
  std::error_code ec;
  ASSIGN_OR_RETURN(v1::SubmitOfflineJobRequest request,
                   BuildOfflineJobRequest(flags.job, std::filesystem::current_path(ec)));
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(30));
  v1::SubmitOfflineJobResponse response;
  if (grpc::Status s = master.stub().SubmitOfflineJob(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  std::cout << "job " << response.job_id() << " scheduled" << std::endl;
  if (!flags.wait) return absl::OkStatus();
  ASSIGN_OR_RETURN(v1::OfflineJob job, FollowJob(master, response.job_id()));
  std::cout << JobEndLine(job) << "\n";
  if (job.state() != v1::OfflineJob::STATE_DONE) {
    return absl::AbortedError(absl::StrCat("job ", job.id(), " did not complete"));
  }
  return absl::OkStatus();
}

constexpr char kOfflineHelp[] =
    "Submit an offline (batch) job: run a model over every input in INPUT_DIR and write one\n"
    "result per input to OUTPUT_DIR (alias: infaas_offline_query INPUT_URL OUTPUT_URL ARCH).\n"
    "Inputs: .png/.jpg/.jpeg images and .f32/.raw little-endian float32 tensors. Results:\n"
    "<name>.json with the top classes and scores (--raw: <name>.f32, the output tensor), and\n"
    "infaas-summary.json at the end (counts, failed inputs with reasons). OUTPUT_DIR must be\n"
    "new or empty. The job uses the workers' spare capacity and yields to online queries.\n"
    "Say what it runs on: ARCH (or -a ARCH) | -v VARIANT | -t TASK -D DATASET [-A ACCURACY].\n"
    "Prints the job id at once; --wait follows it with a progress bar (rate, ETA). See also\n"
    "`infaas jobs`. Paths are read by the master; relative ones are made absolute here.\n"
    "Examples:\n"
    "  infaas offline /data/in /data/out lenet5 --wait\n"
    "  infaas offline file:///data/in file:///data/out -t classification -D fashion-mnist -A 90";

}  // namespace

void AddOfflineCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<OfflineFlags>();
  CLI::App* cmd = app.add_subcommand("offline", kOfflineHelp);
  OfflineJobFlags& job = flags->job;
  cmd->add_option("input_url", job.input_url, "Folder of inputs (file:// URL or path)")->required();
  cmd->add_option("output_url", job.output_url, "Folder for the results (new or empty)")
      ->required();
  cmd->add_option("architecture", job.architecture, "Architecture to run (or use -a/-v/-t)");
  cmd->add_option("-a,--arch", job.architecture, "The architecture");
  cmd->add_option("-v,--variant", job.variant, "Exactly this variant");
  cmd->add_option("-t,--task", job.task, "The task, e.g. classification (with -D)");
  cmd->add_option("-D,--dataset", job.dataset, "The dataset, e.g. fashion-mnist (with -t)");
  cmd->add_option("-A,--accuracy", job.min_accuracy,
                  "Minimum accuracy in percent (with -t -D); a value <= 1 is a fraction");
  cmd->add_flag("--raw", job.raw, "Write raw output tensors (.f32) instead of top-k JSON");
  cmd->add_flag("--wait", flags->wait, "Follow the job with a progress bar until it ends");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback(
      [flags, exit_code] { ReportCommandStatus("offline", RunOffline(*flags), exit_code); });
}

}  // namespace infaas::cli
