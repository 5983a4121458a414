#pragma once

// The `infaas` command's subcommands. Each Add*Command registers its
// subcommand, flags and handler on the app; handlers return through
// RunResult so main() owns the exit code.
//
// Exit codes: 0 success, 1 the operation failed (message on stderr),
// 2 bad command line (CLI11's own).

#include <CLI/CLI.hpp>

namespace infaas::cli {

// infaas profile CONFIG [MODEL] [--validation URL] [--store URL] [--repo DIR] ...
void AddProfileCommand(CLI::App& app, int* exit_code);

// infaas catalog [--store URL] [--task T --dataset D | --arch A]
void AddCatalogCommand(CLI::App& app, int* exit_code);

}  // namespace infaas::cli
