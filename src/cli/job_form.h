#pragma once

// Client-side checks of `infaas offline` (infaas_offline_query) command
// lines and the SubmitOfflineJobRequest they become. A job runs on one of
//
//   ARCH (positional, as in the original) or -a ARCH    an architecture
//   -v VARIANT                                          exactly this variant
//   -t TASK -D DATASET [-A ACCURACY]                    any model good enough
//
// The master reads the folders, so plain relative paths are made absolute
// against the client's working folder; file:// URLs are sent as given.
// Pure functions; thread-safe.

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "infaas/v1/api.pb.h"

namespace infaas::cli {

struct OfflineJobFlags {
  std::string input_url;
  std::string output_url;
  std::string architecture;            // positional or -a
  std::string variant;                 // -v
  std::string task;                    // -t
  std::string dataset;                 // -D
  std::optional<double> min_accuracy;  // -A, percent or fraction (see AccuracyPercent)
  bool raw = false;
};

// InvalidArgument, naming the flags to add or drop, for a command line that
// gives no form, mixes forms, or has an empty location.
absl::StatusOr<v1::SubmitOfflineJobRequest> BuildOfflineJobRequest(
    const OfflineJobFlags& flags, const std::filesystem::path& working_folder);

}  // namespace infaas::cli
