#include "controller/in_flight_limit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"

namespace infaas::controller {

InFlightLimit::Reservation& InFlightLimit::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    limit_ = std::exchange(other.limit_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void InFlightLimit::Reservation::Release() {
  if (limit_ == nullptr) return;
  limit_->queries_.fetch_sub(1);
  limit_->bytes_.fetch_sub(bytes_);
  limit_ = nullptr;
}

absl::StatusOr<InFlightLimit::Reservation> InFlightLimit::Admit(int64_t bytes) {
  const int64_t queries = queries_.fetch_add(1) + 1;
  const int64_t total = bytes_.fetch_add(bytes) + bytes;
  const bool too_many = options_.max_queries > 0 && queries > options_.max_queries;
  const bool too_large = options_.max_bytes > 0 && total > options_.max_bytes;
  if (!too_many && !too_large) return Reservation(this, bytes);
  queries_.fetch_sub(1);
  bytes_.fetch_sub(bytes);
  absl::Status refusal = absl::ResourceExhaustedError(
      too_many ? absl::StrCat("the master holds ", options_.max_queries,
                              " queries already, its limit (infaas-master "
                              "--max-queries-in-flight); retry shortly")
               : absl::StrCat("the master holds ", total - bytes, " bytes of queries; this one's ",
                              bytes, " would pass its limit of ", options_.max_bytes,
                              " (infaas-master --max-bytes-in-flight); retry shortly"));
  SetRetryAfter(refusal, absl::Milliseconds(100));
  return refusal;
}

}  // namespace infaas::controller
