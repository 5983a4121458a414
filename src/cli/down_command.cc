#include <iostream>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/local_cluster.h"
#include "cli/local_state.h"

namespace infaas::cli {
namespace {

struct DownFlags {
  int timeout_s = 10;
};

void RunDown(const DownFlags& flags) {
  bool any = false;
  for (const StoppedProcess& p : StopLocalCluster(absl::Seconds(flags.timeout_s))) {
    switch (p.outcome) {
      case StopOutcome::kExited:
        std::cout << absl::StreamFormat("stopped %s (pid %d)\n", p.name, p.pid);
        any = true;
        break;
      case StopOutcome::kKilled:
        std::cout << absl::StreamFormat(
            "killed %s (pid %d): it did not exit within %d s of SIGTERM\n", p.name, p.pid,
            flags.timeout_s);
        any = true;
        break;
      case StopOutcome::kNotRunning:
        break;  // a stale pid file, now removed
    }
  }
  if (!any) std::cout << "nothing to stop: no INFaaS from " << StateHome().string() << " runs\n";
}

}  // namespace

void AddDownCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<DownFlags>();
  CLI::App* cmd = app.add_subcommand(
      "down",
      "Stop what `infaas up` started from this state folder ($INFAAS_HOME, default ./.infaas):\n"
      "SIGTERM to the workers, then the master, SIGKILL to any that has not exited after\n"
      "--timeout-s; removes the pid files and run/master.address. Succeeds when nothing runs.\n"
      "Example:\n"
      "  infaas down");
  cmd->add_option("--timeout-s", flags->timeout_s, "Seconds to wait for each process to exit")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([flags, exit_code] {
    RunDown(*flags);
    *exit_code = 0;
  });
}

}  // namespace infaas::cli
