#pragma once

// The `infaas` command's subcommands. Each Add*Command registers its
// subcommand, flags and handler on the app; handlers return through
// exit_code so main() owns the exit code.
//
// Exit codes: 0 success, 1 the operation failed (message on stderr),
// 2 bad command line (CLI11's own).

#include <CLI/CLI.hpp>

namespace infaas::cli {

// infaas profile CONFIG [MODEL] [--validation URL] [--store URL] [--repo DIR] ...
void AddProfileCommand(CLI::App& app, int* exit_code);

// infaas catalog [--store URL] [--task T --dataset D | --arch A]
void AddCatalogCommand(CLI::App& app, int* exit_code);

// infaas up [--workers N] [--store URL] [--repo DIR] [--port P] [--no-zoo]
void AddUpCommand(CLI::App& app, int* exit_code);

// infaas down [--timeout-s S]
void AddDownCommand(CLI::App& app, int* exit_code);

// infaas status [--master HOST:PORT] [--json]
void AddStatusCommand(CLI::App& app, int* exit_code);

// infaas top [--master HOST:PORT] [--interval-ms N] [--iterations N] [--window-s N]
void AddTopCommand(CLI::App& app, int* exit_code);

// infaas register CONFIG [MODEL_DIR] [--validation URL]   (infaas_modelregistration)
void AddRegisterCommand(CLI::App& app, int* exit_code);

// infaas modarch [TASK DATASET]                            (infaas_modarch)
void AddModarchCommand(CLI::App& app, int* exit_code);

// infaas modinfo ARCH                                      (infaas_modinfo)
void AddModinfoCommand(CLI::App& app, int* exit_code);

// infaas query -i FILE... (-v V | -a A -l MS | -t T -D D -A ACC -l MS)  (infaas_online_query)
void AddQueryCommand(CLI::App& app, int* exit_code);

// infaas offline INPUT_URL OUTPUT_URL [ARCH | -v V | -t T -D D [-A ACC]] [--raw] [--wait]
//                                                          (infaas_offline_query)
void AddOfflineCommand(CLI::App& app, int* exit_code);

// infaas jobs [ID [--wait] | cancel ID] [--json]
void AddJobsCommand(CLI::App& app, int* exit_code);
// infaas keys create|list|revoke, infaas tenants quota|list   (admin keys only)
void AddAccessCommands(CLI::App& app, int* exit_code);

}  // namespace infaas::cli
