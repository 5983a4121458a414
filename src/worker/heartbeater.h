#pragma once

// Heartbeater: the worker's thread that tells the master it is alive and how
// loaded it is — worker id and address, cores, whole-machine CPU utilisation
// since the last beat, available memory, and per variant the instances,
// queue length, recent QPS, batch size and latency (LoadedVariants::Loads).
//
//   ASSIGN_OR_RETURN(auto heartbeater, Heartbeater::Create(
//       {.worker_id = "w1", .worker_address = "10.0.0.5:41234",
//        .master_address = "10.0.0.1:50052"}, variants.get()));
//   ...
//   heartbeater->Stop();  // or destroy it
//
// The first beat goes out at once, then one every interval (500 ms unless
// the master's HeartbeatResponse.interval_ms says otherwise). An unreachable
// master is logged once per change of state, and beats keep going.
//
// Owned by WorkerServer. Thread-safe; Stop() returns promptly, cancelling a
// heartbeat in flight.

#include <grpcpp/security/credentials.h>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "worker/internal/machine_stats.h"
#include "worker/loaded_variants.h"

namespace infaas::worker {

class Heartbeater {
 public:
  struct Options {
    std::string worker_id{};
    // host:port where this worker's Worker service listens, as the master
    // should dial it.
    std::string worker_address{};
    // host:port of the master's Master service.
    std::string master_address{};
    // Cores this worker offers; 0 means all of the machine's.
    int cores = 0;
    // Until the master names another.
    absl::Duration interval = absl::Milliseconds(500);
    // Deadline of one Heartbeat call.
    absl::Duration rpc_timeout = absl::Seconds(2);
    // Sent with every beat (common/cluster_secret.h); empty: none.
    std::string cluster_secret{};
    // How to dial the master (TLS: common/tls.h); null: plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials{};
  };

  // Starts the heartbeat thread. `variants` must outlive the Heartbeater.
  // InvalidArgument for an empty id, address or master address, or an
  // interval that is not positive.
  static absl::StatusOr<std::unique_ptr<Heartbeater>> Create(Options options,
                                                             const LoadedVariants* variants);

  // Stop()s.
  ~Heartbeater();
  Heartbeater(const Heartbeater&) = delete;
  Heartbeater& operator=(const Heartbeater&) = delete;

  // Ends the thread; a beat in flight is cancelled. Idempotent.
  void Stop();

  // Beats the master has answered so far.
  int64_t acknowledged() const { return acknowledged_.load(); }
  // The current interval (the master may have changed it).
  absl::Duration interval() const;

 private:
  Heartbeater(Options options, const LoadedVariants* variants);

  void Loop();
  // One Heartbeat call; true when the master answered.
  bool Beat();
  infaas::worker_rpc::HeartbeatRequest BuildRequest();

  const Options options_;
  const LoadedVariants* const variants_;
  std::unique_ptr<infaas::worker_rpc::Master::Stub> stub_;
  // Loop thread only: the previous CPU reading and whether the master
  // answered the previous beat (for logging changes).
  internal::CpuTimes last_cpu_;
  int reachable_ = -1;  // -1 unknown, 0 no, 1 yes
  std::atomic<int64_t> acknowledged_{0};
  absl::Notification stop_;
  mutable absl::Mutex mu_;
  absl::Duration interval_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The call in flight, so that Stop() can cancel it.
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::worker
