#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/command_status.h"
#include "cli/commands.h"
#include "cli/master_client.h"
#include "cli/variant_table.h"

namespace infaas::cli {
namespace {

struct ModinfoFlags {
  std::string architecture;
  std::string master;
  int limit = 20;
  bool json = false;
};

double BatchOneMs(const v1::VariantRecord& v) {
  return v.profile().latency_size() > 0 ? v.profile().latency(0).median_ms() : 0;
}

// The original's summary: input dims and accuracy of the fastest variant.
std::string Summary(const std::vector<v1::VariantRecord>& variants) {
  const v1::VariantRecord& fastest =
      *std::min_element(variants.begin(), variants.end(),
                        [](const auto& a, const auto& b) { return BatchOneMs(a) < BatchOneMs(b); });
  const v1::ModelConfig& c = fastest.config();
  return absl::StrFormat(
      "%s: task %s, dataset %s, input [%s], %d variants; fastest at batch 1: %s (%.3f ms, "
      "accuracy %.2f%%)\n",
      c.architecture(), c.task(), c.dataset(), absl::StrJoin(c.input().dims(), ","),
      variants.size(), c.name(), BatchOneMs(fastest), fastest.profile().accuracy_percent());
}

absl::Status RunModinfo(const ModinfoFlags& flags) {
  MasterClient master(ResolveMasterAddress(flags.master));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(10));
  v1::GetModelInfoRequest request;
  request.set_architecture(flags.architecture);
  v1::GetModelInfoResponse response;
  if (grpc::Status s = master.stub().GetModelInfo(&context, request, &response); !s.ok()) {
    return master.CallError(s);
  }
  if (response.variants().empty()) {
    return absl::NotFoundError(absl::StrCat("no variant of ", flags.architecture,
                                            "; list the architectures with: infaas modarch"));
  }
  if (flags.json) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(response, &json);
    std::cout << json << "\n";
    return absl::OkStatus();
  }
  // Fastest first, each with the workers it is loaded on.
  std::vector<const v1::VariantInfo*> infos;
  for (const v1::VariantInfo& info : response.variants()) infos.push_back(&info);
  std::sort(infos.begin(), infos.end(), [](const v1::VariantInfo* a, const v1::VariantInfo* b) {
    return std::make_pair(BatchOneMs(a->record()), a->record().config().name()) <
           std::make_pair(BatchOneMs(b->record()), b->record().config().name());
  });
  std::vector<v1::VariantRecord> variants;
  std::vector<std::vector<std::string>> loaded_on;
  for (const v1::VariantInfo* info : infos) {
    variants.push_back(info->record());
    loaded_on.emplace_back(info->loaded_on_workers().begin(), info->loaded_on_workers().end());
  }
  std::cout << Summary(variants) << FormatVariantTable(variants, loaded_on, flags.limit);
  return absl::OkStatus();
}

}  // namespace

void AddModinfoCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ModinfoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "modinfo",
      "Show an architecture's variants with their profiles and the workers each is loaded on\n"
      "(alias: infaas_modinfo ARCH). The first line gives the input dims and accuracy of the\n"
      "fastest variant, as the original did.\n"
      "Example:\n"
      "  infaas modinfo lenet5");
  cmd->add_option("architecture", flags->architecture, "Architecture, e.g. lenet5")->required();
  cmd->add_option("--limit", flags->limit, "Rows shown, fastest first (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "The GetModelInfoResponse message as JSON, every variant");
  AddMasterOption(*cmd, &flags->master);
  cmd->callback(
      [flags, exit_code] { ReportCommandStatus("modinfo", RunModinfo(*flags), exit_code); });
}

}  // namespace infaas::cli
