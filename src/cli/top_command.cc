// infaas top: the cluster picture of the dashboard in a terminal — workers,
// the variants on them, the autoscaler's last actions and each model's
// service levels — redrawn in place every interval, like top(1). Not on a
// terminal (a pipe, a file, CI) it prints one picture and exits, unless
// --iterations says otherwise.

#include <unistd.h>

#include <iostream>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/cluster_table.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "cli/service_level_table.h"

namespace infaas::cli {
namespace {

constexpr char kClearScreen[] = "\x1b[H\x1b[2J";

struct TopFlags {
  std::string master;
  int interval_ms = 1000;
  int iterations = -1;  // -1: forever on a terminal, once otherwise
  int window_s = 60;
  int timeout_ms = 5000;
};

absl::StatusOr<std::string> Picture(MasterClient& master, const TopFlags& flags) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Milliseconds(flags.timeout_ms));
  v1::GetClusterStatusRequest request;
  request.set_history_seconds(flags.window_s);
  v1::ClusterStatus status;
  if (grpc::Status s = master.stub().GetClusterStatus(&context, request, &status); !s.ok()) {
    return master.CallError(s);
  }
  return absl::StrCat("infaas top - master ", master.address(), " - ",
                      absl::FormatTime("%H:%M:%S", absl::FromUnixMillis(status.now_unix_ms()),
                                       absl::LocalTimeZone()),
                      " - ", status.workers_size(), " worker(s)\n\n", FormatClusterStatus(status),
                      "\nservice levels, last ",
                      absl::FormatDuration(absl::Seconds(flags.window_s)), ":\n",
                      FormatServiceLevels(status, absl::Seconds(flags.window_s)));
}

absl::Status RunTop(const TopFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  const int iterations = flags.iterations >= 0 ? flags.iterations : (terminal ? 0 : 1);
  for (int i = 0; iterations == 0 || i < iterations; ++i) {
    if (i > 0) absl::SleepFor(absl::Milliseconds(flags.interval_ms));
    absl::StatusOr<std::string> picture = Picture(master, flags);
    // On a terminal a master that stops answering is shown, and asked again.
    if (!picture.ok() && !terminal) return picture.status();
    const std::string text = picture.ok() ? *picture : picture.status().ToString();
    if (terminal) {
      std::cout << kClearScreen << text << "\n(every " << flags.interval_ms
                << " ms; Ctrl-C to quit)" << std::flush;
    } else {
      if (i > 0) std::cout << "\n";
      std::cout << text << std::flush;
    }
  }
  return absl::OkStatus();
}

}  // namespace

void AddTopCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TopFlags>();
  CLI::App* cmd = app.add_subcommand(
      "top",
      "A live view of the cluster in the terminal, redrawn in place like top(1): workers,\n"
      "loaded variants, the autoscaler's last actions and, per model queries asked for,\n"
      "queries/s, SLO attainment, goodput and refusals by reason over the last minute.\n"
      "Not on a terminal it prints once (see --iterations). The same picture in a browser:\n"
      "http://MASTER:8000/ui/.\n"
      "Example:\n"
      "  infaas top --interval-ms 500");
  AddMasterOption(*cmd, &flags->master);
  cmd->add_option("--interval-ms", flags->interval_ms, "Time between refreshes")
      ->check(CLI::Range(100, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--iterations", flags->iterations,
                  "Refreshes before exiting; 0: until Ctrl-C (default: forever on a terminal, "
                  "once otherwise)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--window-s", flags->window_s, "Seconds the service levels cover")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  cmd->add_option("--timeout-ms", flags->timeout_ms, "gRPC deadline of each refresh")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([flags, exit_code] { ReportCommandStatus("top", RunTop(*flags), exit_code); });
}

}  // namespace infaas::cli
