#pragma once

// The model zoo shipped in the source tree (models/zoo: one folder per
// architecture with a config.pbtxt, and validation/ with labelled images),
// which `infaas up` registers into an empty catalogue.
//
// Runs on the calling thread.

#include <filesystem>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/master_client.h"

namespace infaas::cli {

// `env_override` ($INFAAS_ZOO) if it is not empty, else the first
// <dir>/models/zoo holding a model, for `start` and each folder above it (the
// executable in build/bin finds the source tree's zoo). NotFound saying how
// to point at one otherwise, or when the override holds no model.
absl::StatusOr<std::filesystem::path> FindModelZoo(const std::filesystem::path& start,
                                                   absl::string_view env_override);

// Every <zoo>/*/config.pbtxt, in name order.
std::vector<std::filesystem::path> ZooConfigs(const std::filesystem::path& zoo);

// Registers every zoo model through `master`, with <zoo>/validation as the
// validation set when it exists, one progress bar each. Carries on past a
// failed model (printing why on stderr) and returns Aborted naming how many
// failed, or OK; prints a line per registered model on stdout.
absl::Status RegisterModelZoo(MasterClient& master, const std::filesystem::path& zoo);

}  // namespace infaas::cli
