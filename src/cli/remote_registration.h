#pragma once

// Registering a model through the master's RegisterModel RPC (used by
// `infaas register` and by `infaas up` for the shipped zoo). The master reads
// the model files itself, so every local path is sent absolute.
//
// Runs on the calling thread; progress is drawn on stderr.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/master_client.h"
#include "infaas/v1/api.pb.h"

namespace infaas::cli {

// A request for the config file `config` (its text is sent), the model
// files in `model_dir` (empty: the config's folder) and an optional
// validation set (a folder, or "IMAGES,LABELS"). NotFound naming the config
// or model folder when it does not exist.
absl::StatusOr<v1::RegisterModelRequest> RegistrationRequestFor(
    const std::filesystem::path& config, const std::filesystem::path& model_dir,
    absl::string_view validation_url);

// Sends `request` and shows the streamed progress on a bar titled `title`.
// Returns the variants the last progress message lists; on failure the
// master's status as MasterClient::CallError describes it.
absl::StatusOr<std::vector<v1::VariantRecord>> RegisterThroughMaster(
    MasterClient& master, const v1::RegisterModelRequest& request, absl::string_view title);

}  // namespace infaas::cli
