#include "store/leader_lease.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace infaas::store {

absl::StatusOr<std::unique_ptr<LeaderLease>> LeaderLease::Start(MetadataStore* store,
                                                                Options options) {
  if (store == nullptr) return absl::InvalidArgumentError("a leader lease needs a store");
  if (options.holder.empty()) {
    return absl::InvalidArgumentError("a leader lease needs a holder name (this master's own)");
  }
  if (options.ttl <= options.renew_every + options.safety_margin) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leader lease of ", absl::FormatDuration(options.ttl), " is too short: it must outlast ",
        "a renewal period (", absl::FormatDuration(options.renew_every), ") and the margin (",
        absl::FormatDuration(options.safety_margin), ")"));
  }
  std::unique_ptr<LeaderLease> lease(new LeaderLease(store, std::move(options)));
  lease->Attempt();
  lease->thread_ = std::thread([raw = lease.get()] { raw->Loop(); });
  return lease;
}

LeaderLease::~LeaderLease() { Stop(); }

void LeaderLease::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  const bool held = Token().has_value();
  {
    absl::MutexLock lock(&mu_);
    leads_until_ = absl::InfinitePast();
  }
  if (held) {
    if (absl::Status s = store_->ReleaseLease(options_.name, options_.holder); !s.ok()) {
      LogWarning("leader lease not released; another master takes over once it lapses",
                 {{"lease", options_.name}, {"error", s.ToString()}});
    } else {
      LogInfo("leader lease released", {{"lease", options_.name}, {"holder", options_.holder}});
    }
  }
}

std::optional<int64_t> LeaderLease::Token() const {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  if (now >= leads_until_) return std::nullopt;
  return token_;
}

std::string LeaderLease::LastHolder() const {
  absl::MutexLock lock(&mu_);
  return last_holder_;
}

void LeaderLease::Attempt() {
  const bool led = Token().has_value();
  absl::Time led_until;
  {
    absl::MutexLock lock(&mu_);
    led_until = leads_until_;
  }
  // The term counts from before the request: the store's lapse counts from
  // some moment after it.
  const absl::Time sent = options_.clock->Now();
  absl::StatusOr<Lease> lease = store_->AcquireLease(options_.name, options_.holder, options_.ttl);
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    if (lease.ok()) {
      last_holder_ = lease->holder;
      if (lease->HeldBy(options_.holder)) {
        token_ = lease->token;
        leads_until_ = sent + options_.ttl - options_.safety_margin;
      }
    } else {
      last_holder_.clear();
    }
  }
  const std::optional<int64_t> token = Token();
  if (!led && token.has_value()) {
    LogInfo(
        "leading: leader lease taken",
        {{"lease", options_.name}, {"holder", options_.holder}, {"token", absl::StrCat(*token)}});
  } else if (led && !token.has_value()) {
    // Logged once the store answers (or gives up): `led_until` says when
    // this master actually stopped, by its clock.
    LogWarning("no longer leading: leader lease lost",
               {{"lease", options_.name},
                {"holder", options_.holder},
                {"led_until",
                 absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", led_until, absl::LocalTimeZone())},
                {"now_held_by", lease.ok() ? lease->holder : "(store unreachable)"},
                {"error", lease.ok() ? "" : lease.status().ToString()}});
  }
}

void LeaderLease::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.renew_every)) Attempt();
}

}  // namespace infaas::store
