#include "cli/query_retry.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace infaas::cli {

std::optional<absl::Duration> RetryDelay(absl::StatusCode code,
                                         std::optional<absl::Duration> retry_after,
                                         absl::Duration waited, absl::Duration budget) {
  if (code != absl::StatusCode::kUnavailable && code != absl::StatusCode::kResourceExhausted) {
    return std::nullopt;
  }
  if (!retry_after.has_value() || *retry_after < absl::ZeroDuration()) return std::nullopt;
  // At least a millisecond: a hint of 0 must not make a busy loop.
  const absl::Duration delay = std::max(*retry_after, absl::Milliseconds(1));
  if (waited + delay > budget) return std::nullopt;
  return delay;
}

std::optional<absl::Duration> ParseRetryAfterMs(absl::string_view value) {
  int64_t ms = 0;
  // An hour at most: a hint beyond any wait budget is as good as none.
  if (!absl::SimpleAtoi(value, &ms) || ms < 0 || ms > 3'600'000) return std::nullopt;
  return absl::Milliseconds(ms);
}

std::string FormatFirstRefusal(const absl::Status& refusal, absl::Duration delay) {
  return absl::StrCat("refused at first (", absl::StatusCodeToString(refusal.code()), ": ",
                      refusal.message(), "); retrying in ", absl::ToInt64Milliseconds(delay),
                      " ms");
}

std::string FormatAnsweredOnRetry(absl::Duration waited, int tries) {
  return absl::StrCat("answered on retry after ", absl::ToInt64Milliseconds(waited), " ms (", tries,
                      " tries)");
}

}  // namespace infaas::cli
