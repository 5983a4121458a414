#pragma once

// Client-side checks of `infaas query` (infaas_online_query) command lines,
// and the QueryOnlineRequest they become. The three forms of the original
// INFaaS, exactly one per query:
//
//   -v VARIANT                                   the variant to run
//   -a ARCH -l MS                                an architecture within a latency
//   -t TASK -D DATASET -A ACCURACY -l MS         any model good enough, fast enough
//
// Pure functions except BuildQueryRequest, which reads the input files.
// Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "infaas/v1/api.pb.h"

namespace infaas::cli {

// The requirement flags as typed; absent flags are empty / nullopt.
struct QueryRequirements {
  std::string variant;                 // -v
  std::string architecture;            // -a
  std::string task;                    // -t
  std::string dataset;                 // -D
  std::optional<double> min_accuracy;  // -A, percent or fraction (see AccuracyPercent)
  std::optional<double> latency_ms;    // -l
};

enum class QueryForm { kVariant, kArchitecture, kTaskAndDataset };

// One line listing the valid forms, for error messages and --help.
inline constexpr absl::string_view kQueryForms =
    "-v VARIANT | -a ARCH -l MS | -t TASK -D DATASET -A ACCURACY -l MS";

// Which form `r` uses. InvalidArgument, naming the flags to add or drop,
// when it mixes forms, misses a flag of its form, or has a latency <= 0.
// -l is allowed (and sent) with -v.
absl::StatusOr<QueryForm> ValidateQueryForm(const QueryRequirements& r);

// Minimum accuracy in percent from -A: a value <= 1 is a fraction (0.9 means
// 90%), a larger one a percentage. InvalidArgument outside [0, 100].
absl::StatusOr<double> AccuracyPercent(double value);

// The -d flag: one integer ("28", the original's H = W) or a list of
// positive integers separated by ',' or 'x' ("1,28,28"), returned as given.
// InvalidArgument for anything else.
absl::StatusOr<std::vector<int64_t>> ParseInputDims(absl::string_view text);

// A request for `r` (validated here) with one encoded image per file of
// `image_files` (the batch) and the parsed `input_dims` ("" for none).
// InvalidArgument for a bad form, no image, or bad dims; NotFound /
// PermissionDenied / InvalidArgument naming an image file that cannot be read
// or is empty.
absl::StatusOr<v1::QueryOnlineRequest> BuildQueryRequest(
    const QueryRequirements& r, const std::vector<std::string>& image_files,
    absl::string_view input_dims);

}  // namespace infaas::cli
