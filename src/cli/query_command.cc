#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "cli/query_form.h"
#include "cli/query_output.h"
#include "cli/query_retry.h"
#include "common/retry_after.h"
#include "common/status_macros.h"

namespace infaas::cli {
namespace {

struct QueryFlags {
  std::vector<std::string> images;
  std::string input_dims;
  std::string variant, architecture, task, dataset;
  double min_accuracy = 0;
  double latency_ms = 0;
  std::string output_file;
  bool raw = false;
  bool json = false;
  int top_k = 5;
  int timeout_ms = 10000;
  int wait_ms = 2000;
  std::string master;
  // Whether -A / -l were given at all (0 is a value, not "absent").
  const CLI::Option* accuracy_option = nullptr;
  const CLI::Option* latency_option = nullptr;
};

QueryRequirements RequirementsOf(const QueryFlags& f) {
  QueryRequirements r{.variant = f.variant,
                      .architecture = f.architecture,
                      .task = f.task,
                      .dataset = f.dataset,
                      .min_accuracy = std::nullopt,
                      .latency_ms = std::nullopt};
  if (f.accuracy_option->count() > 0) r.min_accuracy = f.min_accuracy;
  if (f.latency_option->count() > 0) r.latency_ms = f.latency_ms;
  return r;
}

absl::Status WriteOutput(const QueryFlags& flags, const std::string& text) {
  if (flags.output_file.empty()) {
    std::cout << text << std::flush;
    return absl::OkStatus();
  }
  std::ofstream out(flags.output_file, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", flags.output_file));
  return absl::OkStatus();
}

// The master's retry-after-ms trailer on a call's answer, if any.
std::optional<absl::Duration> RetryAfterOf(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(std::string(kRetryAfterMetadataKey));
  if (it == trailers.end()) return std::nullopt;
  return ParseRetryAfterMs(absl::string_view(it->second.data(), it->second.size()));
}

// Sends the query; a refusal for now (a load in flight, a busy variant)
// is sent again when the master says, within --wait-ms of the first try.
absl::StatusOr<v1::QueryOnlineResponse> QueryFollowingRetryAfter(
    MasterClient& master, const v1::QueryOnlineRequest& request, const QueryFlags& flags) {
  const absl::Time first = absl::Now();
  for (int tries = 1;; ++tries) {
    grpc::ClientContext context;
    SetDeadline(context, absl::Milliseconds(flags.timeout_ms));
    v1::QueryOnlineResponse response;
    const grpc::Status s = master.stub().QueryOnline(&context, request, &response);
    const absl::Duration waited = absl::Now() - first;
    if (s.ok()) {
      if (tries > 1) std::cerr << FormatAnsweredOnRetry(waited, tries) << "\n";
      return response;
    }
    const absl::Status refusal(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    const std::optional<absl::Duration> delay = RetryDelay(
        refusal.code(), RetryAfterOf(context), waited, absl::Milliseconds(flags.wait_ms));
    if (!delay.has_value()) return master.CallError(s);
    if (tries == 1) std::cerr << FormatFirstRefusal(refusal, *delay) << "\n";
    absl::SleepFor(*delay);
  }
}

absl::Status RunQuery(const QueryFlags& flags) {
  ASSIGN_OR_RETURN(v1::QueryOnlineRequest request,
                   BuildQueryRequest(RequirementsOf(flags), flags.images, flags.input_dims));
  MasterClient master(ResolveMasterAddress(flags.master));
  ASSIGN_OR_RETURN(v1::QueryOnlineResponse response,
                   QueryFollowingRetryAfter(master, request, flags));
  std::cerr << FormatQuerySummary(response) << "\n";
  const OutputFormat format = flags.json  ? OutputFormat::kJson
                              : flags.raw ? OutputFormat::kRaw
                                          : OutputFormat::kTopK;
  return WriteOutput(flags, FormatQueryOutput(response, flags.images, format, flags.top_k));
}

constexpr char kQueryHelp[] =
    "Run an online query (alias: infaas_online_query). Say what the query needs, in one of\n"
    "three forms, and INFaaS picks the variant, the worker and the batch:\n"
    "  -v VARIANT                             exactly this variant\n"
    "  -a ARCH -l MS                          a variant of ARCH within MS milliseconds\n"
    "  -t TASK -D DATASET -A ACCURACY -l MS   any model at least this accurate, this fast\n"
    "Each -i adds an input to the batch. Prints the top-K classes with softmax scores per\n"
    "input (--raw: the output vector; --json: one JSON object); the variant, worker and\n"
    "timings go to stderr. A refusal for now (the variant that would serve it is loading,\n"
    "or busy) is sent again when the master says, within --wait-ms; other errors print\n"
    "`infaas query: CODE: message`.\n"
    "Examples:\n"
    "  infaas query -v lenet5_torchscript_cpu1_b8 -i models/zoo/samples/ankle_boot_0000.png\n"
    "  infaas query -a lenet5 -l 10 -d 28 -i a.png -i b.png\n"
    "  infaas_online_query -t classification -D fashion-mnist -A 0.9 -l 20 -i a.png -o out.txt";

void AddQueryOptions(CLI::App& cmd, QueryFlags& f) {
  cmd.add_option("-i,--input", f.images, "Input image file (repeat: one per batch item)");
  cmd.add_option("-d,--input-dim", f.input_dims,
                 "Expected input dims of one example: 28 (height = width) or 1,28,28");
  cmd.add_option("-v,--variant", f.variant, "Form 1: the variant to run");
  cmd.add_option("-a,--arch", f.architecture, "Form 2: the architecture");
  cmd.add_option("-t,--task", f.task, "Form 3: the task, e.g. classification");
  cmd.add_option("-D,--dataset", f.dataset, "Form 3: the dataset, e.g. fashion-mnist");
  f.accuracy_option = cmd.add_option(
      "-A,--accuracy", f.min_accuracy,
      "Form 3: minimum accuracy in percent (0..100); a value <= 1 is read as a fraction, "
      "so 0.9 means 90%");
  f.latency_option =
      cmd.add_option("-l,--latency", f.latency_ms, "Latency target in ms (forms 2 and 3)");
  cmd.add_option("-o,--output", f.output_file, "Write the output to this file, not stdout");
  cmd.add_flag("--raw", f.raw, "Print each input's raw output vector");
  cmd.add_flag("--json", f.json, "Print one JSON object (variant, worker, timings, outputs)");
  cmd.add_option("--top", f.top_k, "How many classes to show per input")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--timeout-ms", f.timeout_ms, "gRPC deadline of each try")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--wait-ms", f.wait_ms,
                 "Follow the master's retry-after on a refusal for now (a load in flight, a "
                 "busy variant) for up to this long from the first try; 0: never")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddMasterOption(cmd, &f.master);
}

}  // namespace

void AddQueryCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand("query", kQueryHelp);
  AddQueryOptions(*cmd, *flags);
  cmd->callback([flags, exit_code] { ReportCommandStatus("query", RunQuery(*flags), exit_code); });
}

}  // namespace infaas::cli
