#include "cli/tool_aliases.h"

#include <array>
#include <utility>

namespace infaas::cli {
namespace {

constexpr std::array<std::pair<absl::string_view, absl::string_view>, 5> kAliases = {{
    {"infaas_online_query", "query"},
    {"infaas_modelregistration", "register"},
    {"infaas_modarch", "modarch"},
    {"infaas_modinfo", "modinfo"},
    {"infaas_offline_query", "offline"},
}};

}  // namespace

std::optional<std::string> SubcommandForAlias(absl::string_view program) {
  if (const size_t slash = program.rfind('/'); slash != absl::string_view::npos) {
    program.remove_prefix(slash + 1);
  }
  for (const auto& [alias, subcommand] : kAliases) {
    if (program == alias) return std::string(subcommand);
  }
  return std::nullopt;
}

std::vector<std::string> AliasNames() {
  std::vector<std::string> names;
  for (const auto& [alias, subcommand] : kAliases) names.emplace_back(alias);
  return names;
}

std::vector<std::string> ExpandAlias(const std::vector<std::string>& argv) {
  if (argv.empty()) return argv;
  std::optional<std::string> subcommand = SubcommandForAlias(argv[0]);
  if (!subcommand.has_value()) return argv;
  std::vector<std::string> expanded = {argv[0], *subcommand};
  expanded.insert(expanded.end(), argv.begin() + 1, argv.end());
  return expanded;
}

}  // namespace infaas::cli
