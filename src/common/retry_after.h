#pragma once

// A refusal's hint of when to retry: a RESOURCE_EXHAUSTED answer from
// admission control says about when the capacity it lacked will be free,
// an UNAVAILABLE one about when the load it waits for will be done.
// The hint rides on the absl::Status as a payload, and the transports turn
// it into their own form at the edge: gRPC trailing metadata
// `retry-after-ms`, HTTP's Retry-After header (whole seconds, at least 1).
//
//   absl::Status s = absl::ResourceExhaustedError("...");
//   SetRetryAfter(s, absl::Milliseconds(40));
//   if (std::optional<absl::Duration> after = RetryAfter(s)) ...

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infaas {

// The gRPC trailing-metadata key (its value: whole milliseconds).
inline constexpr absl::string_view kRetryAfterMetadataKey = "retry-after-ms";

// Attaches the hint (negative durations count as zero); a no-op on OK.
void SetRetryAfter(absl::Status& status, absl::Duration after);

// The hint, if `status` carries one.
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

}  // namespace infaas
