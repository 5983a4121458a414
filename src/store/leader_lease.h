#pragma once

// LeaderLease: keeps this master's claim on the store's leader lease, so
// that among several masters sharing one store exactly one leads at a time.
//
//   ASSIGN_OR_RETURN(auto lease, LeaderLease::Start(store, {.holder = "10.0.0.5:50052/8812"}));
//   if (std::optional<int64_t> token = lease->Token()) { ...lead, fenced by *token... }
//   lease->Stop();   // hands the lease over at once
//
// A thread asks the store every `renew_every`: a follower takes the lease
// once it is free (its holder released it, or let it lapse), a leader
// renews it. The leader counts its term from the moment it *sent* the last
// successful request, and stops leading `ttl - safety_margin` after it —
// before the store lets the lease lapse — even when the store cannot be
// reached or a call hangs: Token() checks the clock on every call and never
// waits for the thread. A master partitioned from the store therefore stops
// acting before anyone else can take over; a master that paused past that
// point finds its token stale (the store and the workers refuse it).
//
// Start() makes the first attempt before returning, so a master alone on
// its store leads as soon as it starts. Thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/leadership.h"
#include "store/metadata_store.h"

namespace infaas::store {

class LeaderLease final : public Leadership {
 public:
  struct Options {
    std::string name = "leader";
    // Who this master is, unique per process (address and pid).
    std::string holder{};
    absl::Duration ttl = absl::Seconds(4);
    // How often it asks: a follower takes over at most this long after the
    // lease lapsed.
    absl::Duration renew_every = absl::Seconds(1);
    // The leader stops this much before the lease would lapse (clocks
    // drift; a renewal takes time).
    absl::Duration safety_margin = absl::Milliseconds(500);
    Clock* clock = Clock::Real();
  };

  // InvalidArgument for an empty holder, or a ttl not above renew_every +
  // safety_margin (the leader would lapse between renewals). The store
  // must outlive the lease.
  static absl::StatusOr<std::unique_ptr<LeaderLease>> Start(MetadataStore* store, Options options);

  ~LeaderLease() override;  // Stop()
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Ends the thread and releases the lease if held, so that another master
  // takes over at once rather than after the ttl. Idempotent.
  void Stop();

  // Leadership.
  std::optional<int64_t> Token() const override;

  // Who held the lease when last asked (empty: nobody, or the store could
  // not be reached), for status pages.
  std::string LastHolder() const;
  const std::string& holder() const { return options_.holder; }
  const std::string& name() const { return options_.name; }
  // The fence a write made under `token` carries.
  Fence FenceOf(int64_t token) const { return {.lease = options_.name, .token = token}; }

 private:
  LeaderLease(MetadataStore* store, Options options)
      : store_(store), options_(std::move(options)) {}
  void Attempt();
  void Loop();

  MetadataStore* const store_;
  const Options options_;
  absl::Notification stop_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  int64_t token_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time leads_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string last_holder_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace infaas::store
