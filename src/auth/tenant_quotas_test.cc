#include "auth/tenant_quotas.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/retry_after.h"

namespace infaas::auth {
namespace {

v1::TenantRecord Quota(const std::string& name, double qps, int in_flight) {
  v1::TenantRecord t;
  t.set_name(name);
  t.set_max_queries_per_second(qps);
  t.set_max_in_flight(in_flight);
  return t;
}

TEST(TenantQuotasTest, ATenantWithoutAQuotaIsNeverRefused) {
  FakeClock clock;
  TenantQuotas quotas(&clock);
  std::vector<TenantQuotas::Admission> held;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<TenantQuotas::Admission> a = quotas.Admit("free");
    ASSERT_TRUE(a.ok());
    held.push_back(*std::move(a));
  }
  EXPECT_EQ(quotas.InFlight("free"), 0);
}

TEST(TenantQuotasTest, QueriesPerSecondAllowOneSecondOfBurstThenRefillSteadily) {
  FakeClock clock;
  TenantQuotas quotas(&clock);
  quotas.Set({Quota("acme", 10, 0)});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(quotas.Admit("acme").ok()) << i;
  absl::Status refused = quotas.Admit("acme").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.message(), "10 queries per second")) << refused;
  ASSERT_TRUE(RetryAfter(refused).has_value());
  EXPECT_NEAR(absl::ToDoubleMilliseconds(*RetryAfter(refused)), 100, 1);
  // At exactly the quota, nothing is refused.
  for (int i = 0; i < 50; ++i) {
    clock.Advance(absl::Milliseconds(100));
    EXPECT_TRUE(quotas.Admit("acme").ok()) << i;
  }
  // Another tenant is untouched.
  EXPECT_TRUE(quotas.Admit("beta").ok());
}

TEST(TenantQuotasTest, InFlightSlotsAreFreedWhenTheAdmissionGoes) {
  FakeClock clock;
  TenantQuotas quotas(&clock);
  quotas.Set({Quota("acme", 0, 2)});
  absl::StatusOr<TenantQuotas::Admission> a = quotas.Admit("acme");
  absl::StatusOr<TenantQuotas::Admission> b = quotas.Admit("acme");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(quotas.InFlight("acme"), 2);
  EXPECT_EQ(quotas.Admit("acme").status().code(), absl::StatusCode::kResourceExhausted);
  a->Release();
  a->Release();  // idempotent
  EXPECT_EQ(quotas.InFlight("acme"), 1);
  TenantQuotas::Admission moved = *std::move(b);
  EXPECT_EQ(quotas.InFlight("acme"), 1);
  { TenantQuotas::Admission c = *quotas.Admit("acme"); }
  EXPECT_EQ(quotas.InFlight("acme"), 1);
}

TEST(TenantQuotasTest, ChangingLimitsKeepsTheQueriesInFlight) {
  FakeClock clock;
  TenantQuotas quotas(&clock);
  quotas.Set({Quota("acme", 0, 1)});
  TenantQuotas::Admission held = *quotas.Admit("acme");
  quotas.Set({Quota("acme", 0, 1), Quota("beta", 5, 0)});
  EXPECT_EQ(quotas.Admit("acme").status().code(), absl::StatusCode::kResourceExhausted);
  quotas.Set({});  // no limits any more; the held slot still frees cleanly
  EXPECT_TRUE(quotas.Admit("acme").ok());
  held.Release();
}

TEST(TenantQuotasTest, ManyThreadsNeverHoldMoreThanTheInFlightQuota) {
  FakeClock clock;
  TenantQuotas quotas(&clock);
  quotas.Set({Quota("acme", 0, 3)});
  std::atomic<int> held{0}, most{0}, admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        absl::StatusOr<TenantQuotas::Admission> a = quotas.Admit("acme");
        if (!a.ok()) continue;
        ++admitted;
        const int now = ++held;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --held;
        a->Release();
      }
    });
  }
  // Limits change while queries come and go.
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) quotas.Set({Quota("acme", 0, 3), Quota("beta", 5, 0)});
  });
  for (std::thread& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_EQ(quotas.InFlight("acme"), 0);
}

}  // namespace
}  // namespace infaas::auth
