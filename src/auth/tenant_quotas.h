#pragma once

// TenantQuotas: each tenant's limit on queries per second and on queries in
// flight, enforced at admission, before any other work is done for a query.
//
// Queries per second is a token bucket holding at most one second of
// tokens (at least one), refilled continuously: a tenant at its quota is
// never refused, and a burst above it is refused at once. A refusal is
// RESOURCE_EXHAUSTED with a retry-after hint (common/retry_after.h): when
// the next token comes, or a short wait for an in-flight slot.
//
//   ASSIGN_OR_RETURN(TenantQuotas::Admission admission, quotas.Admit(caller.tenant));
//   ... run the query; the slot is freed when `admission` goes ...
//
// A tenant without a record has no limits and no state here: names reach
// this object only from valid keys, and the state is rebuilt from the store
// by Set. Thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::auth {

class TenantQuotas {
 public:
  // Holds one in-flight slot until destroyed or Release()d. Movable.
  class Admission {
   public:
    Admission() = default;
    Admission(Admission&& other) noexcept;
    Admission& operator=(Admission&& other) noexcept;
    ~Admission() { Release(); }
    void Release();

   private:
    friend class TenantQuotas;
    struct Slot;
    explicit Admission(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
    std::shared_ptr<Slot> slot_;
  };

  explicit TenantQuotas(Clock* clock);

  // Replaces every tenant's limits; a tenant whose limits did not change
  // keeps its tokens and in-flight count.
  void Set(const std::vector<v1::TenantRecord>& tenants);

  absl::StatusOr<Admission> Admit(const std::string& tenant);

  // Queries of `tenant` in flight now (tests, /metrics).
  int InFlight(const std::string& tenant);

 private:
  struct State;

  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<State>, std::less<>> tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::auth
