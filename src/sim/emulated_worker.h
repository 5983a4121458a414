#pragma once

// EmulatedWorker: an infaas-worker on the simulator's virtual clock. It
// keeps what the real worker keeps — per variant, instances each with its
// own queue; a query goes to the instance with the fewest pending — and
// applies the real worker's deadline rules (latency/batching_rules.h: the
// refusal at enqueue, the drop before running, the batch-growth rule) with
// the real latency model (the profile blended with the times it records).
// A batch of b examples runs for the profile's median at b, times a
// lognormal noise factor (Options::noise_cv, or the profile's own p99 /
// median: Options::profile_noise) and a slowdown when the
// worker's cores are over-committed (running threads / cores, when above
// 1). Loads take the profile's load latency; instances are removed only
// once their queue is empty (scaling down loses no query). Heartbeat()
// reports what a real heartbeat carries.
//
//   EmulatedWorker w(&loop, {.id = "w1", .cores = 4});
//   w.Load(record, 1, [](const absl::Status& s) { ... });
//   w.Infer({.variant = name, .examples = 1, .deadline = t, .done = ...});
//
// Single-threaded, on the EventLoop.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infaas/v1/catalogue.pb.h"
#include "infaas/worker_rpc/worker.pb.h"
#include "latency/execution_times.h"
#include "latency/latency_model.h"
#include "sim/event_loop.h"

namespace infaas::sim {

struct SimAnswer {
  absl::Duration queue_time;
  absl::Duration compute_time;
  int batch_size = 0;
};

struct SimQuery {
  std::string variant;
  int examples = 1;
  absl::Time deadline = absl::InfiniteFuture();
  // Called exactly once: OK with the answer, or the worker's refusal
  // (NOT_FOUND, UNAVAILABLE while loading, RESOURCE_EXHAUSTED at enqueue,
  // DEADLINE_EXCEEDED when dropped or expired in the queue).
  std::function<void(const absl::Status&, const SimAnswer&)> done;
};

class EmulatedWorker {
 public:
  struct Options {
    std::string id;
    int cores = 1;
    int64_t memory_bytes = int64_t{16} << 30;
    // Coefficient of variation of the lognormal factor on each batch's time
    // (0: every batch runs exactly its profiled median).
    double noise_cv = 0;
    // Instead, the profile's own spread: a lognormal factor of median 1
    // whose p99 is the profile's p99 / median at that batch size.
    bool profile_noise = false;
    uint64_t seed = 1;
    // Batches slow down by running threads / cores when above 1.
    bool interference = true;
  };

  EmulatedWorker(EventLoop* loop, Options options);

  const std::string& id() const { return options_.id; }
  std::string address() const { return "sim:" + options_.id; }
  int cores() const { return options_.cores; }

  // Serve `record`'s variant with at least `instances` instances (as the
  // real LoadVariant): the missing ones load for the profile's load latency;
  // RESOURCE_EXHAUSTED at once without the memory. `done` runs when they
  // serve.
  void Load(const v1::VariantRecord& record, int instances,
            std::function<void(const absl::Status&)> done);
  // Keep `keep` instances of `variant` (0 unloads it): the others take no
  // new query and go once their queue is empty. NOT_FOUND when not loaded.
  absl::Status Unload(const std::string& variant, int keep);

  // Instances serving or loading, over all variants.
  int instances() const;

  void Infer(SimQuery query);

  // What the real worker's heartbeat carries; the rates and latencies are
  // over the time since the last call.
  worker_rpc::HeartbeatRequest Heartbeat();

  // Core-seconds spent running batches so far.
  double busy_core_seconds() const { return busy_core_seconds_; }
  int64_t free_memory_bytes() const;

 private:
  struct Queued {
    SimQuery query;
    absl::Time enqueued;
  };
  struct Instance {
    std::deque<Queued> queue;
    int64_t queued_examples = 0;
    bool running = false;
    absl::Time busy_until = absl::InfinitePast();
    bool closing = false;  // drained, then removed
  };
  struct Variant {
    v1::VariantRecord record;
    std::vector<std::unique_ptr<Instance>> instances;
    int loading = 0;  // instances being loaded
    std::shared_ptr<latency::ExecutionTimes> times;
    std::vector<latency::ExecutionEstimate> estimates;  // [0..max batch]
    // Since the last heartbeat.
    int64_t arrivals = 0;
    int64_t served = 0;
    int64_t batches = 0;
    int64_t batch_examples = 0;
    std::vector<double> latencies_ms;
  };

  int MaxBatch(const Variant& v) const;
  int ServingInstances(const Variant& v) const;
  void RefreshEstimates(Variant& v);
  void StartBatch(const std::string& name, Instance& instance);
  void FinishBatch(const std::string& name, Instance* instance, std::vector<Queued> batch,
                   int64_t examples, absl::Time started, double threads);
  void RemoveDrained(Variant& v);
  double ExecutionMs(const Variant& v, int64_t examples);

  EventLoop* const loop_;
  const Options options_;
  std::mt19937_64 rng_;
  std::map<std::string, Variant> variants_;
  int running_threads_ = 0;  // cpu_threads of the batches running now
  double busy_core_seconds_ = 0;
  double busy_at_last_beat_ = 0;
  absl::Time last_beat_;
};

}  // namespace infaas::sim
