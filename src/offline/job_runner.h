#pragma once

// JobRunner: the master's offline (batch) jobs. Accepts jobs, stores them,
// and works through each job's input folder on the workers' spare capacity,
// writing one result file per input and a summary at the end.
//
//   ASSIGN_OR_RETURN(auto jobs, JobRunner::Start({.store = store, .catalogue = &catalogue,
//                                                 .cluster = &cluster, .workers = &port,
//                                                 .loads = &loads}));
//   ASSIGN_OR_RETURN(std::string id, jobs->Submit(request));   // returns at once
//   jobs->Get(id); jobs->List(); jobs->Cancel(id);
//
// How a job runs: the variant comes from the selector (variant_choice.h);
// the inputs are cut into chunks of the variant's max batch; each chunk is
// an offline Infer call (it yields to online queries on the worker) sent to
// a worker with spare capacity (spare_capacity.h), which is asked to load
// the variant first if it has the memory. A chunk whose worker fails, or
// leaves the cluster view, is redone elsewhere; a chunk rejected for a bad
// input is retried input by input, and the bad input is recorded as failed
// with the worker's reason. Progress (counts, rate, failures, variants used)
// is saved in the store at least every `save_every`. Jobs run oldest first:
// a later job gets the slots an earlier one leaves.
//
// A full output disk pauses a job (its record's paused_reason says so):
// nothing is handed out, the inputs whose results could not be written wait,
// and the job resumes by itself once the folder has room; nothing fails.
//
// Restarts: the runner takes up every job the store lists as queued or
// running; inputs whose result file exists are not redone. Stop() (or
// destruction) cancels the calls in flight and saves progress; the job stays
// running in the store, to be resumed.
//
// Several masters on one store (`lease` set): every master accepts jobs
// (stored queued) and answers Get/List/Cancel from the store, but only the
// leader runs them. Its runner takes up the store's unfinished jobs when its
// term begins and every `adopt_every` after (jobs submitted through other
// masters), writes progress fenced by its token (a master that lost the
// lease cannot overwrite what the next leader wrote), and stops — cancelling
// its calls, saving nothing — when the term ends. A job cancelled through
// another master ends here at the next fenced write or adoption. Each input
// still ends done or failed once: the next leader skips the results that
// exist.
//
// Threads: one runner thread, at the OS's idle priority (it reads inputs
// and writes results, and should take no CPU from online queries), does all
// the work; the worker port's callbacks only hand answers to it. Submit, Get, List and
// Cancel may be called from any thread. Dependencies must outlive it.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/path_roots.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/load_coordinator.h"
#include "controller/load_requests.h"
#include "controller/worker_port.h"
#include "infaas/v1/api.pb.h"
#include "offline/spare_capacity.h"
#include "store/leader_lease.h"
#include "store/metadata_store.h"

namespace infaas::offline {

namespace internal {
class ActiveJob;
}

class JobRunner {
 public:
  struct Dependencies {
    store::MetadataStore* store = nullptr;
    controller::CatalogueView* catalogue = nullptr;
    controller::ClusterView* cluster = nullptr;
    // The chunks' calls (the master's: gRPC over connections apart from
    // the online queries').
    controller::WorkerPort* workers = nullptr;
    controller::LoadCoordinator* loads = nullptr;
    Clock* clock = Clock::Real();
    // The owner of placement (the autoscaler): a job's variant is requested
    // from it; null loads it through `loads` directly.
    controller::LoadRequests* load_requests = nullptr;
    // Where jobs may read inputs and write results (--job-root); none:
    // anywhere the master may.
    PathRoots job_roots{};
    // Several masters: runs jobs only while this master leads, fenced by
    // the lease's token. Null: always runs, unfenced writes.
    const store::LeaderLease* lease = nullptr;
  };
  struct Options {
    SpareCapacityOptions capacity{};
    // Classes in each JSON result.
    int top_k = 5;
    // The runner looks at the cluster at least this often.
    absl::Duration poll = absl::Milliseconds(50);
    // Progress reaches the store at least this often while a job runs.
    absl::Duration save_every = absl::Seconds(1);
    // A worker whose call failed for a worker-side reason gets no chunk for this long.
    absl::Duration worker_backoff = absl::Seconds(1);
    // A job whose output disk is full looks for room again this often.
    absl::Duration full_disk_retry = absl::Seconds(1);
    // A load of the job's variant is asked of a worker at most this often.
    absl::Duration load_retry = absl::Seconds(10);
    // Run the runner thread at the OS's idle priority.
    bool idle_priority = true;
    // The leader looks for jobs submitted through other masters (and ones
    // cancelled there) this often.
    absl::Duration adopt_every = absl::Seconds(1);
  };

  // Starts the runner thread, which takes up the store's unfinished jobs.
  // InvalidArgument for missing dependencies.
  static absl::StatusOr<std::unique_ptr<JobRunner>> Start(Dependencies deps, Options options);
  static absl::StatusOr<std::unique_ptr<JobRunner>> Start(Dependencies deps) {
    return Start(std::move(deps), Options());
  }

  ~JobRunner();  // Stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Cancels the calls in flight, saves progress and joins the thread.
  // Unfinished jobs stay queued/running in the store. Idempotent.
  void Stop();

  // Checks and stores a new job (queued) and returns its id. The input
  // folder must exist; the output folder must be new or empty (it is
  // created), and no other unfinished job may write to it; the requirements
  // must name something registered (a job may wait for workers, not for a
  // model); both folders must lie under the job roots (PERMISSION_DENIED
  // otherwise, whether they exist or not). INVALID_ARGUMENT, NOT_FOUND,
  // FAILED_PRECONDITION with the fix.
  // The job belongs to `caller`'s tenant and runs only the models that
  // tenant may see (auth::JobRunsAs).
  absl::StatusOr<std::string> Submit(const v1::SubmitOfflineJobRequest& request,
                                     const auth::Principal& caller = auth::Principal::Operator());

  // The job's latest record (live counts while it runs). NOT_FOUND.
  absl::StatusOr<v1::OfflineJob> Get(absl::string_view id);

  // Every job, oldest first.
  absl::StatusOr<std::vector<v1::OfflineJob>> List();

  // Stops handing out the job's chunks, cancels those in flight and marks it
  // cancelled; returns the record. NOT_FOUND; FAILED_PRECONDITION for a job
  // that already ended. A job the leader runs elsewhere is marked cancelled
  // in the store; the leader stops it within about a second.
  absl::StatusOr<v1::OfflineJob> Cancel(absl::string_view id);

 private:
  struct ChunkCall;

  JobRunner(Dependencies deps, Options options);

  void Run();
  // One pass: take what arrived, start jobs, handle answers, hand out work,
  // end finished jobs, save and publish.
  void Step(absl::Time now);
  // Whether this runner leads now: begins a term (taking up the store's
  // jobs) or ends one (dropping every job it ran) when that changed.
  bool Lead(absl::Time now);
  void StepDown();
  // Takes up the store's unfinished jobs it does not run yet, and ends
  // those the store says ended (cancelled through another master).
  void AdoptStoredJobs();
  // Writes a job record: fenced by the term's token when there is a lease.
  // A record the store says ended meanwhile marks the job cancelled here.
  absl::Status Write(const v1::OfflineJob& record);
  void TakeArrivals(std::vector<std::shared_ptr<ChunkCall>>* answers) ABSL_LOCKS_EXCLUDED(mu_);
  void StartJobs(absl::Time now);
  void HandleAnswer(const ChunkCall& call, absl::Time now);
  void CancelChunksOnLostWorkers(const controller::ClusterSnapshot& cluster);
  void HandOutChunks(const controller::ClusterSnapshot& cluster, absl::Time now);
  // Asks `worker` to load the job's variant when it has room; false when
  // the variant does not serve there yet.
  bool VariantReady(internal::ActiveJob& job, const controller::WorkerSnapshot& worker,
                    absl::Time now);
  void Send(internal::ActiveJob& job, const std::string& worker_id, const std::string& address,
            int64_t chunk_id, infaas::worker_rpc::InferRequest request);
  void CancelCalls(const std::string& job_id, const std::vector<int64_t>& chunk_ids);
  // Ends each of `calls` early (their answers come back CANCELLED).
  static void Cancel(const std::vector<std::shared_ptr<ChunkCall>>& calls);
  void EndJob(internal::ActiveJob& job, v1::OfflineJob::State state, absl::Time now,
              std::string error = "");
  void EndFinishedJobs(absl::Time now);
  // Saves a record unless the job was cancelled meanwhile (then only the
  // cancelled record may be saved).
  void Save(const v1::OfflineJob& record);
  void Publish(const v1::OfflineJob& record);
  void ShutDown();

  const Dependencies deps_;
  const Options options_;

  // Runner thread only.
  std::vector<std::unique_ptr<internal::ActiveJob>> jobs_;                // oldest first
  std::map<std::pair<std::string, std::string>, absl::Time> load_asked_;  // (worker, variant)
  std::map<std::string, absl::Time> worker_backoff_until_;
  std::map<std::string, absl::Time> last_saved_;
  std::optional<int64_t> term_;  // the token of the term served; nullopt: following
  absl::Time last_adopted_ = absl::InfinitePast();

  // Serialises job record writes, so that a progress save cannot overwrite
  // a cancellation. Taken before mu_, held across one store write.
  absl::Mutex save_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex mu_;
  std::vector<v1::OfflineJob> submitted_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> cancelled_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<ChunkCall>> answered_ ABSL_GUARDED_BY(mu_);
  // Calls sent and not yet answered, by (job, chunk).
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<ChunkCall>> calls_ ABSL_GUARDED_BY(mu_);
  // The latest record of every unfinished job, for Get/List/Cancel.
  std::map<std::string, v1::OfflineJob> published_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex thread_mu_;
  std::thread thread_ ABSL_GUARDED_BY(thread_mu_);
};

}  // namespace infaas::offline
