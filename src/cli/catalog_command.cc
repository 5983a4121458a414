#include <iostream>

#include "cli/commands.h"
#include "cli/local_state.h"
#include "cli/variant_table.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "store/metadata_store.h"

namespace infaas::cli {
namespace {

struct CatalogFlags {
  std::string store = DefaultStoreUrl();
  std::string task, dataset, architecture;
  bool json = false;
  int limit = 50;
};

absl::Status RunCatalog(const CatalogFlags& flags) {
  ASSIGN_OR_RETURN(auto store, store::OpenMetadataStore(flags.store));
  v1::VariantFilter filter;
  filter.set_task(flags.task);
  filter.set_dataset(flags.dataset);
  filter.set_architecture(flags.architecture);
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants, store->ListVariants(filter));
  if (flags.json) {
    for (const v1::VariantRecord& v : variants) {
      std::string line;
      google::protobuf::util::JsonPrintOptions options;
      (void)google::protobuf::util::MessageToJsonString(v, &line, options);
      std::cout << line << "\n";
    }
    return absl::OkStatus();
  }
  if (variants.empty()) {
    std::cout << "no variants registered in " << store->Describe()
              << " (register one with: infaas profile CONFIG)\n";
    return absl::OkStatus();
  }
  SortForListing(variants);
  std::cout << FormatVariantTable(variants, {}, flags.limit);
  return absl::OkStatus();
}

}  // namespace

void AddCatalogCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CatalogFlags>();
  CLI::App* cmd = app.add_subcommand("catalog", "List registered variants with their profiles.");
  cmd->add_option("--store", flags->store, "Metadata store: sqlite:PATH or redis://HOST:PORT[/DB]")
      ->capture_default_str();
  cmd->add_option("-t,--task", flags->task, "Only this task");
  cmd->add_option("-D,--dataset", flags->dataset, "Only this dataset");
  cmd->add_option("-a,--arch", flags->architecture, "Only this architecture");
  cmd->add_flag("--json", flags->json, "One JSON object per variant and line (every variant)");
  cmd->add_option("--limit", flags->limit,
                  "Table rows shown, by architecture then batch-1 latency (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([flags, exit_code] {
    if (absl::Status s = RunCatalog(*flags); !s.ok()) {
      std::cerr << "infaas catalog: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace infaas::cli
