#pragma once

// When `infaas query` sends a refused query again: the master refused it
// for now (UNAVAILABLE: the variant that would serve it is loading;
// RESOURCE_EXHAUSTED: busy) and said when to retry (its retry-after-ms
// trailer), and that is within the caller's wait budget (--wait-ms).
//
//   if (std::optional<absl::Duration> d = RetryDelay(code, hint, waited, budget)) ...

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace infaas::cli {

// How long to wait before sending again, or nullopt: not a refusal for
// now, no hint, or the answer would come after `budget` (counted from the
// first try; `waited` has passed).
std::optional<absl::Duration> RetryDelay(absl::StatusCode code,
                                         std::optional<absl::Duration> retry_after,
                                         absl::Duration waited, absl::Duration budget);

// The hint in a retry-after-ms trailer's value, or nullopt when malformed.
std::optional<absl::Duration> ParseRetryAfterMs(absl::string_view value);

// "refused at first (CODE: message); retrying in N ms" and "answered on
// retry after N ms (M tries)": what happened, for stderr.
std::string FormatFirstRefusal(const absl::Status& refusal, absl::Duration delay);
std::string FormatAnsweredOnRetry(absl::Duration waited, int tries);

}  // namespace infaas::cli
