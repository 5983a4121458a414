#pragma once

// The original INFaaS command-line tools as aliases of `infaas`
// subcommands. build/bin holds symlinks with these names to `infaas`; main()
// looks at argv[0] and, for an alias, runs the subcommand with the same
// arguments:
//
//   infaas_online_query -a lenet5 -l 10 -i x.png  ==  infaas query -a lenet5 -l 10 -i x.png
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace infaas::cli {

// The subcommand the program name (argv[0], any folder) stands for:
// infaas_online_query -> query, infaas_modelregistration -> register,
// infaas_modarch -> modarch, infaas_modinfo -> modinfo,
// infaas_offline_query -> offline. nullopt for any other name.
std::optional<std::string> SubcommandForAlias(absl::string_view program);

// The names above, for the build and for tests.
std::vector<std::string> AliasNames();

// argv as `infaas` should parse it: unchanged unless argv[0] is an alias, in
// which case the subcommand is inserted after argv[0].
std::vector<std::string> ExpandAlias(const std::vector<std::string>& argv);

}  // namespace infaas::cli
