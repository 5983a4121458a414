#include "auth/tenant_quotas.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/retry_after.h"

namespace infaas::auth {

// Shared by the map and by every Admission of the tenant: a query admitted
// before its tenant's limits changed still frees its slot.
struct TenantQuotas::State {
  absl::Mutex mu;
  v1::TenantRecord limits ABSL_GUARDED_BY(mu);
  double tokens ABSL_GUARDED_BY(mu) = 0;
  absl::Time refilled_at ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  int in_flight ABSL_GUARDED_BY(mu) = 0;
};

struct TenantQuotas::Admission::Slot {
  explicit Slot(std::shared_ptr<State> s) : state(std::move(s)) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  std::shared_ptr<State> state;
  ~Slot() {
    absl::MutexLock lock(&state->mu);
    --state->in_flight;
  }
};

TenantQuotas::Admission::Admission(Admission&& other) noexcept : slot_(std::move(other.slot_)) {}

TenantQuotas::Admission& TenantQuotas::Admission::operator=(Admission&& other) noexcept {
  if (this != &other) {
    Release();
    slot_ = std::move(other.slot_);
  }
  return *this;
}

void TenantQuotas::Admission::Release() { slot_.reset(); }

TenantQuotas::TenantQuotas(Clock* clock) : clock_(clock) {}

void TenantQuotas::Set(const std::vector<v1::TenantRecord>& tenants) {
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::shared_ptr<State>, std::less<>> next;
  for (const v1::TenantRecord& t : tenants) {
    if (t.max_queries_per_second() <= 0 && t.max_in_flight() <= 0) continue;
    std::shared_ptr<State>& state = next[t.name()];
    if (auto it = tenants_.find(t.name()); it != tenants_.end()) state = it->second;
    if (state == nullptr) state = std::make_shared<State>();
    absl::MutexLock state_lock(&state->mu);
    state->limits = t;
  }
  tenants_ = std::move(next);
}

absl::StatusOr<TenantQuotas::Admission> TenantQuotas::Admit(const std::string& tenant) {
  std::shared_ptr<State> state;
  {
    absl::MutexLock lock(&mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return Admission();
    state = it->second;
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&state->mu);
  const int max_in_flight = state->limits.max_in_flight();
  const double qps = state->limits.max_queries_per_second();
  if (max_in_flight > 0 && state->in_flight >= max_in_flight) {
    absl::Status refused = absl::ResourceExhaustedError(
        absl::StrCat("tenant ", tenant, " has ", state->in_flight,
                     " queries in flight, its quota; wait for answers or ask an admin for more "
                     "(infaas tenants quota)"));
    SetRetryAfter(refused, absl::Milliseconds(10));
    return refused;
  }
  if (qps > 0) {
    const double capacity = std::max(1.0, qps);
    const double elapsed = absl::ToDoubleSeconds(now - state->refilled_at);
    state->tokens = std::min(capacity, state->tokens + std::max(0.0, elapsed) * qps);
    state->refilled_at = now;
    if (state->tokens < 1) {
      absl::Status refused = absl::ResourceExhaustedError(
          absl::StrFormat("tenant %s is over its quota of %g queries per second; slow down or "
                          "ask an admin for more (infaas tenants quota)",
                          tenant, qps));
      SetRetryAfter(refused, absl::Seconds((1 - state->tokens) / qps));
      return refused;
    }
    state->tokens -= 1;
  }
  ++state->in_flight;
  return Admission(std::make_shared<Admission::Slot>(state));
}

int TenantQuotas::InFlight(const std::string& tenant) {
  std::shared_ptr<State> state;
  {
    absl::MutexLock lock(&mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return 0;
    state = it->second;
  }
  absl::MutexLock lock(&state->mu);
  return state->in_flight;
}

}  // namespace infaas::auth
