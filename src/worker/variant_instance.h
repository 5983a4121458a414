#pragma once

// VariantInstance: one loaded copy of a variant with its own request queue
// and executor thread, which combines queued queries into batches.
//
//   ASSIGN_OR_RETURN(auto instance, VariantInstance::Create(std::move(model), {.worker_id =
//   "w1"})); instance->Enqueue({.examples = batch_of_3, .deadline = deadline,
//                      .done = [](absl::StatusOr<InferResult> r) { ... }});
//   instance->Close();  // the running batch finishes; queued queries fail
//
// Dynamic batching: the executor takes the oldest query, then keeps taking
// queued ones (without waiting) while the examples still fit the variant's
// max batch size, runs Model::Run once on the combined tensor and hands each
// query its own rows of the output.
//
// Deadlines. Each batch's execution time is predicted by the latency model
// (latency/latency_model.h): the variant's profile blended with the times
// this worker measured (Options::execution_times, recorded after each
// instance's first `warmup_batches`). An online query is refused at once
// (ResourceExhausted) when the work queued ahead of it plus its own run is
// predicted to end after its deadline; when a batch is formed, a query that
// cannot finish in time even alone (predicted median) is dropped before running
// (DeadlineExceeded, "dropped before running: predicted finish X ms after
// its deadline"), and a query joins the batch only if the larger batch still
// ends before the earliest deadline in it — else it leads the next batch.
// A query with no finite deadline is never refused for time, nor is any
// query while nothing predicts the variant (no profile, no runs yet).
//
// Priorities: online queries (the default) and offline ones (batch jobs)
// wait in separate queues, each with its own executor thread. The offline
// thread runs at the OS's idle priority (common/thread_priority.h) and
// starts a batch only when no online query is waiting or running, so an
// online query waits behind at most one offline batch and never competes
// with offline work for the CPU. Offline queries are left out of pending()
// and RecentLoad(), which describe the online load the master balances.
//
// Owned by LoadedVariants (shared with in-flight Infer calls). Thread-safe:
// Enqueue from any thread; `done` callbacks run on the online executor
// thread, on a normal-priority thread of the instance for offline queries,
// or on the caller's for errors found at enqueue; they must not block for
// long, nor call Close() of this instance.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backend/backend.h"
#include "backend/tensor.h"
#include "common/bounded_queue.h"
#include "common/clock.h"
#include "common/thread_pool.h"
#include "infaas/v1/profile.pb.h"
#include "latency/execution_times.h"
#include "latency/latency_model.h"
#include "worker/internal/recent_stats.h"

namespace infaas::worker {

// What one query gets back.
struct InferResult {
  // [n, output dims...]: row i answers the query's example i.
  backend::Tensor outputs;
  // From Enqueue until its batch started.
  absl::Duration queue_time;
  // Model::Run of the whole batch.
  absl::Duration compute_time;
  // Examples in the batch it ran in (its own and others').
  int batch_size = 0;
};

// Called exactly once with the query's result or error.
using InferDone = absl::AnyInvocable<void(absl::StatusOr<InferResult>)>;

// Online queries are answered first; offline ones use what is left.
enum class Priority { kOnline, kOffline };

// One query: n >= 1 examples of one variant's input, stacked.
struct Query {
  // [n, input dims...].
  backend::Tensor examples{};
  // Dropped with DeadlineExceeded if its batch would start after this.
  absl::Time deadline = absl::InfiniteFuture();
  InferDone done{};
  Priority priority = Priority::kOnline;
};

class VariantInstance {
 public:
  struct Options {
    // Named in errors and logs.
    std::string worker_id{};
    // Queries that may wait; more are refused with ResourceExhausted.
    size_t queue_capacity = 1024;
    // Bytes of input that may wait (online and offline together); a query
    // that would pass it is refused with ResourceExhausted.
    size_t queue_bytes_capacity = size_t{256} << 20;
    // The variant's registration profile: the latency model's prior.
    v1::VariantProfile profile{};
    // Where each batch's execution time is recorded, shared by the
    // variant's instances (the heartbeat reports it); null records nothing.
    std::shared_ptr<latency::ExecutionTimes> execution_times{};
    // Batches after the load that are warm-up: run, but not recorded.
    int warmup_batches = 2;
    // Times queues, runs and deadlines; must outlive the instance.
    Clock* clock = Clock::Real();
    // Run the offline executor at the OS's idle priority (see above).
    bool idle_priority_offline = true;
  };

  // Takes ownership of `model` and starts the executor threads.
  // InvalidArgument for a null model.
  static absl::StatusOr<std::unique_ptr<VariantInstance>> Create(
      std::unique_ptr<backend::Model> model, Options options);

  // Close()s.
  ~VariantInstance();
  VariantInstance(const VariantInstance&) = delete;
  VariantInstance& operator=(const VariantInstance&) = delete;

  // Queues `query`; its `done` runs exactly once. Errors given to `done` at
  // once: InvalidArgument for a malformed tensor or more examples than the
  // max batch size; ResourceExhausted when the queue is full (queries or
  // bytes) or when the query is predicted to finish after its deadline;
  // Unavailable once Close() has begun. Later, from the executor: the
  // result, Unavailable if the instance closed before its batch started,
  // DeadlineExceeded (the deadline passed, or it cannot finish in time), or
  // Model::Run's error.
  void Enqueue(Query query);

  // Stops taking queries (Enqueue answers Unavailable from now on) and
  // makes the executor fail queued queries with Unavailable ("variant X on
  // worker W is unloading") once the running batch is done. Does not wait;
  // lets several instances drain at once. Idempotent.
  void BeginClose();

  // BeginClose(), then waits for the running batch and joins the executor.
  // Idempotent; blocks for at most one batch.
  void Close();

  // Stops taking queries (Enqueue answers Unavailable from now on), runs
  // every query already queued, online and offline, then joins the
  // executors: nothing accepted is lost. For scaling down. Blocks until the queue is empty; a later
  // Close() returns at once.
  void Drain();

  // Online queries accepted and not yet answered (waiting or running).
  int pending() const { return pending_.load(std::memory_order_relaxed); }
  // The same for offline queries.
  int offline_pending() const { return offline_pending_.load(std::memory_order_relaxed); }
  int max_batch_size() const { return max_batch_size_; }
  const std::string& variant() const { return variant_; }
  // Since Create: online queries accepted into the queue, online queries
  // answered with a result, and batches run (online and offline).
  int64_t arrivals_total() const { return arrivals_total_.load(std::memory_order_relaxed); }
  int64_t served_total() const { return served_total_.load(std::memory_order_relaxed); }
  int64_t batches_total() const { return batches_total_.load(std::memory_order_relaxed); }
  // Offline queries answered with a result since Create (not in served_total).
  int64_t offline_served_total() const {
    return offline_served_total_.load(std::memory_order_relaxed);
  }
  // The last few seconds' rates, batch sizes and latency of online queries.
  internal::RecentStats::Snapshot RecentLoad() const { return recent_.Take(); }
  // What one batch of `examples` (1..max batch) is predicted to take now;
  // +inf figures while nothing predicts the variant.
  latency::ExecutionEstimate Estimate(int examples) const;
  // The refusal (ResourceExhausted) Enqueue would give an online query of
  // `examples` inputs with `deadline` now: predicted to finish after it
  // behind the running batch and the queued inputs. OK when it may wait.
  // Lets a caller refuse before decoding the inputs.
  absl::Status CheckFinishInTime(int64_t examples, absl::Time deadline) const;

 private:
  struct Queued {
    Query query;
    absl::Time enqueued;
    size_t bytes = 0;  // of its input
  };

  VariantInstance(std::unique_ptr<backend::Model> model, Options options);

  BoundedQueue<Queued>& QueueFor(Priority priority);
  std::atomic<int>& PendingFor(Priority priority);
  // One executor: takes batches from QueueFor(priority) until closed.
  void ExecutorLoop(Priority priority);
  // The model gate: an online batch waits for a running offline batch; an
  // offline batch waits until no online query is waiting or running, and
  // LeaveModel() ends it.
  void EnterModel(Priority priority);
  void LeaveModel();
  // The batch led by `first`; a query that does not fit is left in *carry.
  std::vector<Queued> GatherBatch(Queued first, BoundedQueue<Queued>& queue,
                                  std::optional<Queued>* carry);
  // Adds `item` to `batch` if it fits (returns true), or answers it if it
  // must not run (returns true); false leaves `item` untouched.
  bool Admit(Queued& item, std::vector<Queued>* batch, int64_t* examples);
  // Recomputes the estimates from the profile and the recorded times (at
  // most every few milliseconds unless `force`).
  void RefreshEstimates(bool force);
  // `item` left the queue (into a batch, or answered).
  void Dequeued(const Queued& item);
  void RunBatch(std::vector<Queued> batch, int64_t examples);
  void Fail(Queued& item, absl::Status status);
  // Calls the query's `done`: at once for online queries, on the
  // offline_answers_ thread (normal priority) for offline ones.
  void Answer(Queued& item, absl::StatusOr<InferResult> result);
  // Counts a query of `priority` as answered (pending counters, the gate).
  void Settle(Priority priority);
  absl::Status UnloadingError() const;

  const std::string variant_;
  const std::string worker_id_;
  const int max_batch_size_;
  Clock* const clock_;
  std::unique_ptr<backend::Model> model_;
  const bool idle_priority_offline_;
  BoundedQueue<Queued> queue_;
  BoundedQueue<Queued> offline_queue_;
  ThreadPool offline_answers_;
  internal::RecentStats recent_;
  std::atomic<bool> closing_{false};
  std::atomic<int> pending_{0};
  std::atomic<int> offline_pending_{0};
  std::atomic<int64_t> offline_served_total_{0};
  std::atomic<int64_t> arrivals_total_{0};
  std::atomic<int64_t> served_total_{0};
  std::atomic<int64_t> batches_total_{0};
  const v1::VariantProfile profile_;
  const std::shared_ptr<latency::ExecutionTimes> execution_times_;
  const int warmup_batches_;
  const size_t queue_bytes_capacity_;
  // Online examples waiting (not running), and input bytes waiting.
  std::atomic<int64_t> queued_examples_{0};
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<int64_t> batches_run_{0};  // online and offline, warm-up included
  mutable absl::Mutex estimate_mu_;
  // Index b: a batch of b examples (1..max batch).
  std::vector<latency::ExecutionEstimate> estimates_ ABSL_GUARDED_BY(estimate_mu_);
  absl::Time estimates_at_ ABSL_GUARDED_BY(estimate_mu_) = absl::InfinitePast();
  // When the running online batch is predicted to end; past when idle.
  absl::Time busy_until_ ABSL_GUARDED_BY(estimate_mu_) = absl::InfinitePast();
  absl::Mutex gate_mu_;
  int online_active_ ABSL_GUARDED_BY(gate_mu_) = 0;  // online queries pending
  bool offline_running_ ABSL_GUARDED_BY(gate_mu_) = false;
  bool gate_closing_ ABSL_GUARDED_BY(gate_mu_) = false;
  // Serialises Close() so that exactly one caller joins the executors.
  absl::Mutex close_mu_;
  std::thread executor_ ABSL_GUARDED_BY(close_mu_);
  std::thread offline_executor_ ABSL_GUARDED_BY(close_mu_);
};

}  // namespace infaas::worker
