#pragma once

// How a subcommand's handler ends: prints "infaas <command>: <message>" on
// stderr and sets exit code 1 when `status` is not OK (commands.h lists the
// exit codes). Thread-compatible: writes *exit_code.

#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas::cli {

inline void ReportCommandStatus(absl::string_view command, const absl::Status& status,
                                int* exit_code) {
  if (status.ok()) return;
  std::cerr << "infaas " << command << ": " << status.message() << "\n";
  *exit_code = 1;
}

}  // namespace infaas::cli
