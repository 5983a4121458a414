#include "common/retry_after.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace infaas {
namespace {

constexpr absl::string_view kPayloadUrl = "type.infaas.dev/retry-after-us";

}  // namespace

void SetRetryAfter(absl::Status& status, absl::Duration after) {
  if (status.ok()) return;
  const int64_t us = std::max<int64_t>(absl::ToInt64Microseconds(after), 0);
  status.SetPayload(kPayloadUrl, absl::Cord(absl::StrCat(us)));
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);  // absl::optional in Debian's Abseil
  if (!payload.has_value()) return std::nullopt;
  int64_t us = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &us) || us < 0) return std::nullopt;
  return absl::Microseconds(us);
}

}  // namespace infaas
