#include "offline/job_runner.h"

#include <algorithm>
#include <random>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "auth/access_rules.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/thread_priority.h"
#include "offline/internal/active_job.h"
#include "offline/job_inputs.h"
#include "offline/variant_choice.h"

namespace infaas::offline {
namespace {

namespace fs = std::filesystem;

// A chunk stuck longer than this (a hung worker that still heartbeats) is
// cancelled and redone.
constexpr absl::Duration kChunkDeadline = absl::Minutes(10);

bool IsFinal(v1::OfflineJob::State state) { return store::IsFinalJobState(state); }

// "running", "done", ... for messages.
std::string StateName(v1::OfflineJob::State state) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::OfflineJob::State_Name(state), "STATE_"));
}

std::string NewJobId(absl::Time now) {
  static std::mt19937_64 random{std::random_device{}()};
  static absl::Mutex random_mu;
  uint32_t suffix = 0;
  {
    absl::MutexLock lock(&random_mu);
    suffix = static_cast<uint32_t>(random());
  }
  return absl::StrCat("job-", absl::FormatTime("%Y%m%d-%H%M%S", now, absl::UTCTimeZone()), "-",
                      absl::StrFormat("%06x", suffix & 0xffffff));
}

absl::StatusOr<fs::path> AbsoluteFolder(absl::string_view url, absl::string_view what) {
  ASSIGN_OR_RETURN(fs::path path, PathFromFileUrl(url));
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " location is empty; give a folder (file:// URL or path)"));
  }
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " path \"", path.string(),
                     "\" is relative; give an absolute path or file:// URL (the master reads it)"));
  }
  return path.lexically_normal();
}

// The output folder must be new or empty: results are never overwritten,
// and "already there" must mean "done by this job" when a job resumes.
absl::Status CheckOutputFolder(const FolderHandle& output) {
  ASSIGN_OR_RETURN(std::vector<FolderHandle::Entry> entries, output.List());
  if (!entries.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the output folder ", output.path().string(),
                     " is not empty; give a new or empty folder (results are never overwritten)"));
  }
  return absl::OkStatus();
}

}  // namespace

struct JobRunner::ChunkCall {
  std::string job_id;
  int64_t chunk_id = 0;
  std::string worker_id;
  infaas::worker_rpc::InferRequest request;
  infaas::worker_rpc::InferResponse response;
  absl::Status status;
  // Ends the call early; set and used on the runner thread only.
  controller::WorkerPort::Cancel cancel;
};

absl::StatusOr<std::unique_ptr<JobRunner>> JobRunner::Start(Dependencies deps, Options options) {
  if (deps.store == nullptr || deps.catalogue == nullptr || deps.cluster == nullptr ||
      deps.workers == nullptr || deps.loads == nullptr || deps.clock == nullptr) {
    return absl::InvalidArgumentError(
        "JobRunner needs a store, views, a worker port, loads and a clock");
  }
  std::unique_ptr<JobRunner> runner(new JobRunner(std::move(deps), options));
  absl::MutexLock lock(&runner->thread_mu_);
  runner->thread_ = std::thread([raw = runner.get()] { raw->Run(); });
  return runner;
}

JobRunner::JobRunner(Dependencies deps, Options options)
    : deps_(std::move(deps)), options_(options) {}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  absl::MutexLock lock(&thread_mu_);
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::string> JobRunner::Submit(const v1::SubmitOfflineJobRequest& request,
                                              const auth::Principal& caller) {
  ASSIGN_OR_RETURN(fs::path input, AbsoluteFolder(request.input_url(), "input"));
  ASSIGN_OR_RETURN(fs::path output, AbsoluteFolder(request.output_url(), "output"));
  // Before anything looks at them: a folder outside the roots (a user's:
  // outside its tenant's share) is refused the same whether it exists or not.
  const std::string tenant = auth::JobTenantOf(caller);
  ASSIGN_OR_RETURN(input, deps_.job_roots.Confine(input, tenant));
  ASSIGN_OR_RETURN(output, deps_.job_roots.Confine(output, tenant));
  if (output == input) {
    return absl::InvalidArgumentError(
        absl::StrCat("the output folder is the input folder (", input.string(),
                     "); give a separate, new or empty folder for the results"));
  }
  // Listing a large folder is the runner's work, at its low priority.
  RETURN_IF_ERROR(OpenInputFolder(deps_.job_roots, input, tenant).status());
  const absl::Time now = deps_.clock->Now();
  v1::OfflineJob job;
  job.set_tenant(tenant);
  absl::StatusOr<std::string> variant = ChooseOfflineVariant(
      request.requirements(), *deps_.catalogue->VisibleTo(auth::JobRunsAs(job)),
      *deps_.cluster->Snapshot(now));
  if (!variant.ok() && !IsTransientChoiceError(variant.status())) return variant.status();

  // One submission at a time: two jobs must not claim one output folder.
  absl::MutexLock save(&save_mu_);
  ASSIGN_OR_RETURN(FolderHandle output_folder, OpenOutputFolder(deps_.job_roots, output, tenant));
  {
    // Jobs submitted through any master sharing the store.
    ASSIGN_OR_RETURN(std::vector<v1::OfflineJob> unfinished, deps_.store->ListJobs());
    std::erase_if(unfinished, [](const v1::OfflineJob& job) { return IsFinal(job.state()); });
    absl::MutexLock lock(&mu_);
    for (const auto& [id, job] : published_) unfinished.push_back(job);
    for (const v1::OfflineJob& job : unfinished) {
      absl::StatusOr<fs::path> other = PathFromFileUrl(job.output_url());
      if (other.ok() && other->lexically_normal() == output) {
        return absl::FailedPreconditionError(absl::StrCat(
            "job ", job.id(), " is still writing to ", output.string(), "; give another folder"));
      }
    }
  }
  RETURN_IF_ERROR(CheckOutputFolder(output_folder));
  job.set_id(NewJobId(now));
  job.set_state(v1::OfflineJob::STATE_QUEUED);
  job.set_input_url(input.string());
  job.set_output_url(output.string());
  *job.mutable_requirements() = request.requirements();
  job.set_raw_output(request.raw_output());
  job.set_submitter(request.submitter());
  job.set_created_at_unix_ms(absl::ToUnixMillis(now));
  job.set_updated_at_unix_ms(absl::ToUnixMillis(now));
  RETURN_IF_ERROR(deps_.store->PutJob(job));
  const bool leads = deps_.lease == nullptr || deps_.lease->Token().has_value();
  LogInfo("offline job submitted", {{"job", job.id()},
                                    {"input", job.input_url()},
                                    {"output", job.output_url()},
                                    {"variant", variant.ok() ? *variant : "(chosen later)"},
                                    {"runs_on", leads ? "this master" : "the leader"}});
  // Elsewhere the leader takes it up from the store.
  if (!leads) return job.id();
  absl::MutexLock lock(&mu_);
  published_[job.id()] = job;
  submitted_.push_back(job);
  return job.id();
}

absl::StatusOr<v1::OfflineJob> JobRunner::Get(absl::string_view id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = published_.find(std::string(id));
    if (it != published_.end()) return it->second;
  }
  absl::StatusOr<v1::OfflineJob> job = deps_.store->GetJob(id);
  if (absl::IsNotFound(job.status())) {
    return absl::NotFoundError(
        absl::StrCat("no offline job \"", id, "\"; `infaas jobs` lists the jobs"));
  }
  return job;
}

absl::StatusOr<std::vector<v1::OfflineJob>> JobRunner::List() {
  ASSIGN_OR_RETURN(std::vector<v1::OfflineJob> jobs, deps_.store->ListJobs());
  absl::MutexLock lock(&mu_);
  for (v1::OfflineJob& job : jobs) {
    auto it = published_.find(job.id());
    if (it != published_.end()) job = it->second;
  }
  return jobs;
}

absl::StatusOr<v1::OfflineJob> JobRunner::Cancel(absl::string_view id) {
  absl::MutexLock save(&save_mu_);
  v1::OfflineJob record;
  {
    absl::MutexLock lock(&mu_);
    auto it = published_.find(std::string(id));
    if (it != published_.end()) {
      const int64_t now_ms = absl::ToUnixMillis(deps_.clock->Now());
      it->second.set_state(v1::OfflineJob::STATE_CANCELLED);
      it->second.set_finished_at_unix_ms(now_ms);
      it->second.set_updated_at_unix_ms(now_ms);
      cancelled_.insert(std::string(id));
      record = it->second;
    }
  }
  if (record.id().empty()) {
    ASSIGN_OR_RETURN(v1::OfflineJob job, Get(id));
    if (IsFinal(job.state())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", id, " already ended (", StateName(job.state()), "); there is nothing to cancel"));
    }
    // Run by the leader on another master: the store tells it.
    const int64_t now_ms = absl::ToUnixMillis(deps_.clock->Now());
    job.set_state(v1::OfflineJob::STATE_CANCELLED);
    job.set_finished_at_unix_ms(now_ms);
    job.set_updated_at_unix_ms(now_ms);
    record = std::move(job);
  }
  // Never over an end the leader wrote meanwhile (another master runs it).
  if (absl::Status s = deps_.store->PutJobUnlessEnded(record); absl::IsAborted(s)) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", id, " already ended; there is nothing to cancel"));
  } else if (!s.ok()) {
    return s;
  }
  LogInfo("offline job cancelled", {{"job", record.id()}});
  return record;
}

void JobRunner::Run() {
  if (options_.idle_priority) {
    if (absl::Status s = LowerThisThreadPriority(); !s.ok()) {
      LogWarning("offline job runner keeps normal priority", {{"error", s.ToString()}});
    }
  }
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto has_arrivals = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !submitted_.empty() || !answered_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&has_arrivals), options_.poll);
      if (stopping_) break;
    }
    Step(deps_.clock->Now());
  }
  ShutDown();
}

bool JobRunner::Lead(absl::Time now) {
  const std::optional<int64_t> token =
      deps_.lease != nullptr ? deps_.lease->Token() : std::optional<int64_t>(0);
  if (!token.has_value()) {
    StepDown();
    return false;
  }
  if (token != term_) {
    if (deps_.lease != nullptr) {
      LogInfo("offline job runner leads", {{"token", absl::StrCat(*token)}});
    }
    term_ = token;
    last_adopted_ = absl::InfinitePast();
  }
  // Alone (no lease), every job arrives through this runner after the first.
  const bool look = deps_.lease != nullptr || last_adopted_ == absl::InfinitePast();
  if (look && now - last_adopted_ >= options_.adopt_every) {
    AdoptStoredJobs();
    last_adopted_ = now;
  }
  return true;
}

void JobRunner::StepDown() {
  std::vector<std::shared_ptr<ChunkCall>> calls;
  {
    absl::MutexLock lock(&mu_);
    // Stored: the leader takes them up, and Get/List read them there.
    submitted_.clear();
    published_.clear();
    if (!term_.has_value()) return;
    cancelled_.clear();
    for (const auto& [key, call] : calls_) calls.push_back(call);
  }
  LogWarning("offline job runner stops: this master no longer leads",
             {{"jobs_left_to_the_leader", absl::StrCat(jobs_.size())}});
  // Their answers find no job and are dropped; the next leader redoes
  // what has no result yet.
  Cancel(calls);
  jobs_.clear();
  load_asked_.clear();
  worker_backoff_until_.clear();
  last_saved_.clear();
  term_.reset();
}

void JobRunner::AdoptStoredJobs() {
  absl::StatusOr<std::vector<v1::OfflineJob>> stored = deps_.store->ListJobs();
  if (!stored.ok()) {
    LogWarning("offline jobs not read from the store", {{"error", stored.status().ToString()}});
    return;
  }
  for (v1::OfflineJob& job : *stored) {
    auto running = std::find_if(jobs_.begin(), jobs_.end(),
                                [&job](const auto& active) { return active->id() == job.id(); });
    if (running != jobs_.end()) {
      if (job.state() == v1::OfflineJob::STATE_CANCELLED) {
        absl::MutexLock lock(&mu_);
        cancelled_.insert(job.id());  // through another master
      }
      continue;
    }
    if (IsFinal(job.state())) continue;
    LogInfo("offline job resumes", {{"job", job.id()}, {"state", StateName(job.state())}});
    {
      absl::MutexLock lock(&mu_);
      published_[job.id()] = job;
    }
    jobs_.push_back(
        std::make_unique<internal::ActiveJob>(std::move(job), options_.top_k, deps_.job_roots));
  }
}

absl::Status JobRunner::Write(const v1::OfflineJob& record) {
  if (deps_.lease == nullptr) return deps_.store->PutJob(record);
  if (!term_.has_value()) {
    return absl::FailedPreconditionError("this master no longer leads; the leader saves the job");
  }
  absl::Status written = deps_.store->PutJobFenced(record, deps_.lease->FenceOf(*term_));
  if (absl::IsAborted(written)) {
    absl::MutexLock lock(&mu_);
    cancelled_.insert(record.id());  // ended through another master
  }
  return written;
}

void JobRunner::Step(absl::Time now) {
  if (!Lead(now)) return;
  std::vector<std::shared_ptr<ChunkCall>> answers;
  TakeArrivals(&answers);
  for (const auto& call : answers) HandleAnswer(*call, now);
  StartJobs(now);
  std::shared_ptr<const controller::ClusterSnapshot> cluster = deps_.cluster->Snapshot(now);
  CancelChunksOnLostWorkers(*cluster);
  HandOutChunks(*cluster, now);
  EndFinishedJobs(now);
  for (auto& job : jobs_) {
    job->Refresh(now);
    Publish(job->record());
    absl::Time& saved = last_saved_[job->id()];
    if (now - saved >= options_.save_every) {
      Save(job->record());
      saved = now;
    }
  }
}

void JobRunner::TakeArrivals(std::vector<std::shared_ptr<ChunkCall>>* answers) {
  std::vector<v1::OfflineJob> submitted;
  std::set<std::string> cancelled;
  {
    absl::MutexLock lock(&mu_);
    submitted.swap(submitted_);
    answers->swap(answered_);
    cancelled = cancelled_;
  }
  for (v1::OfflineJob& job : submitted) {
    const bool taken_up = std::any_of(jobs_.begin(), jobs_.end(), [&job](const auto& active) {
      return active->id() == job.id();
    });
    if (taken_up) continue;  // found in the store first
    jobs_.push_back(
        std::make_unique<internal::ActiveJob>(std::move(job), options_.top_k, deps_.job_roots));
  }
  const absl::Time now = deps_.clock->Now();
  for (auto& job : jobs_) {
    if (cancelled.contains(job->id())) EndJob(*job, v1::OfflineJob::STATE_CANCELLED, now);
  }
  std::erase_if(jobs_, [](const auto& job) { return IsFinal(job->record().state()); });
}

void JobRunner::StartJobs(absl::Time now) {
  std::shared_ptr<const controller::ClusterSnapshot> cluster;
  for (auto& job : jobs_) {
    if (job->started()) continue;
    if (cluster == nullptr) cluster = deps_.cluster->Snapshot(now);
    // Each job chooses among what its tenant may see.
    const std::shared_ptr<const controller::Catalogue> catalogue =
        deps_.catalogue->VisibleTo(auth::JobRunsAs(job->record()));
    absl::Status started = job->Start(*catalogue, *cluster, now);
    if (started.ok()) {
      Save(job->record());
      last_saved_[job->id()] = now;
    } else if (!IsTransientChoiceError(started)) {
      EndJob(*job, v1::OfflineJob::STATE_FAILED, now, started.ToString());
    }
  }
  std::erase_if(jobs_, [](const auto& job) { return IsFinal(job->record().state()); });
}

void JobRunner::HandleAnswer(const ChunkCall& call, absl::Time now) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(),
                         [&call](const auto& job) { return job->id() == call.job_id; });
  if (it == jobs_.end()) return;  // the job ended meanwhile
  internal::ActiveJob& job = **it;
  const absl::Status& s = call.status;
  if (absl::IsUnavailable(s) || absl::IsNotFound(s) || absl::IsResourceExhausted(s)) {
    // Gone, restarted without the variant, or full: leave it alone a while.
    LogWarning("offline chunk returned",
               {{"job", job.id()}, {"worker", call.worker_id}, {"error", s.ToString()}});
    worker_backoff_until_[call.worker_id] = now + options_.worker_backoff;
  }
  if (absl::Status written = job.OnChunkDone(call.chunk_id, s, call.response); !written.ok()) {
    if (absl::IsResourceExhausted(written)) {
      job.PauseForSpace(written, now + options_.full_disk_retry);
      return;
    }
    EndJob(job, v1::OfflineJob::STATE_FAILED, now, written.ToString());
    jobs_.erase(it);
  }
}

void JobRunner::CancelChunksOnLostWorkers(const controller::ClusterSnapshot& cluster) {
  std::set<std::string> live;
  for (const controller::WorkerSnapshot& w : cluster.workers) live.insert(w.id);
  for (auto& job : jobs_) {
    for (const auto& [worker, count] : job->InFlightByWorker()) {
      if (!live.contains(worker)) CancelCalls(job->id(), job->ChunksOn(worker));
    }
  }
}

void JobRunner::HandOutChunks(const controller::ClusterSnapshot& cluster, absl::Time now) {
  std::map<std::string, int> in_flight;
  for (const auto& job : jobs_) {
    for (const auto& [worker, count] : job->InFlightByWorker()) in_flight[worker] += count;
  }
  for (const WorkerSlots& slots : SpareCapacity(cluster, in_flight, options_.capacity)) {
    auto backoff = worker_backoff_until_.find(slots.worker_id);
    if (backoff != worker_backoff_until_.end() && backoff->second > now) continue;
    const auto worker = std::find_if(
        cluster.workers.begin(), cluster.workers.end(),
        [&slots](const controller::WorkerSnapshot& w) { return w.id == slots.worker_id; });
    int left = slots.slots;
    for (auto& job : jobs_) {
      if (left == 0) break;
      if (!job->HasWaitingInputs() || job->WaitingForSpace(now, options_.full_disk_retry) ||
          !VariantReady(*job, *worker, now)) {
        continue;
      }
      while (left > 0) {
        std::optional<internal::ActiveJob::ChunkRequest> chunk = job->NextChunk(slots.worker_id);
        if (!chunk.has_value()) break;
        Send(*job, slots.worker_id, slots.address, chunk->chunk_id, std::move(chunk->request));
        --left;
      }
    }
  }
}

bool JobRunner::VariantReady(internal::ActiveJob& job, const controller::WorkerSnapshot& worker,
                             absl::Time now) {
  const v1::VariantRecord& record = job.variant();
  const std::string& name = record.config().name();
  if (const controller::LoadedVariant* loaded = worker.Find(name)) return !loaded->loading;
  const auto key = std::make_pair(worker.id, name);
  auto asked = load_asked_.find(key);
  if (asked != load_asked_.end() && now - asked->second < options_.load_retry) return false;
  if (worker.free_memory_bytes < record.profile().peak_memory_bytes()) return false;
  load_asked_[key] = now;
  LogInfo("offline job loads its variant",
          {{"job", job.id()}, {"variant", name}, {"worker", worker.id}});
  if (deps_.load_requests != nullptr) {
    deps_.load_requests->RequestLoad(
        {.variant = name,
         .worker_id = worker.id,
         .worker_address = worker.address,
         .load_latency_ms = record.profile().load_latency_ms(),
         .reason = absl::StrCat("offline job ", job.id(), " needs it")});
  } else {
    deps_.loads->EnsureLoaded(record, worker.id, worker.address, nullptr);
  }
  return false;
}

void JobRunner::Send(internal::ActiveJob& job, const std::string& worker_id,
                     const std::string& address, int64_t chunk_id,
                     infaas::worker_rpc::InferRequest request) {
  auto call = std::make_shared<ChunkCall>();
  call->job_id = job.id();
  call->chunk_id = chunk_id;
  call->worker_id = worker_id;
  call->request = std::move(request);
  {
    absl::MutexLock lock(&mu_);
    calls_[{call->job_id, chunk_id}] = call;
  }
  call->cancel = deps_.workers->Infer(address, &call->request, &call->response,
                                      deps_.clock->Now() + kChunkDeadline,
                                      [this, call](controller::WorkerPort::CallStatus s) {
                                        absl::MutexLock lock(&mu_);
                                        call->status = std::move(s.status);
                                        calls_.erase({call->job_id, call->chunk_id});
                                        answered_.push_back(call);
                                      });
}

void JobRunner::CancelCalls(const std::string& job_id, const std::vector<int64_t>& chunk_ids) {
  std::vector<std::shared_ptr<ChunkCall>> calls;
  {
    absl::MutexLock lock(&mu_);
    for (int64_t id : chunk_ids) {
      auto it = calls_.find({job_id, id});
      if (it != calls_.end()) calls.push_back(it->second);
    }
  }
  // The answers come back CANCELLED and the chunks are redone (or dropped,
  // for an ended job).
  Cancel(calls);
}

void JobRunner::Cancel(const std::vector<std::shared_ptr<ChunkCall>>& calls) {
  for (const auto& call : calls) {
    if (call->cancel) call->cancel();
  }
}

void JobRunner::EndJob(internal::ActiveJob& job, v1::OfflineJob::State state, absl::Time now,
                       std::string error) {
  absl::MutexLock save(&save_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_.contains(job.id())) state = v1::OfflineJob::STATE_CANCELLED;
  }
  std::vector<int64_t> chunks;
  for (const auto& [worker, count] : job.InFlightByWorker()) {
    for (int64_t id : job.ChunksOn(worker)) chunks.push_back(id);
  }
  CancelCalls(job.id(), chunks);
  if (absl::Status s = job.Finish(state, now, std::move(error)); !s.ok()) {
    LogWarning("offline job summary not written", {{"job", job.id()}, {"error", s.ToString()}});
  }
  {
    // This master's Get answers the end from now on, not only once the
    // record is stored (another master may read the store first).
    absl::MutexLock lock(&mu_);
    published_[job.id()] = job.record();
  }
  if (absl::Status s = Write(job.record()); absl::IsAborted(s)) {
    LogInfo("offline job ended elsewhere; the stored record stands",
            {{"job", job.id()}, {"error", s.ToString()}});
  } else if (!s.ok()) {
    LogError("offline job record not saved", {{"job", job.id()}, {"error", s.ToString()}});
  }
  absl::MutexLock lock(&mu_);
  published_.erase(job.id());
  cancelled_.erase(job.id());
  last_saved_.erase(job.id());
}

void JobRunner::EndFinishedJobs(absl::Time now) {
  for (auto& job : jobs_) {
    if (!job->Finished() || job->WaitingForSpace(now, options_.full_disk_retry)) continue;
    if (!job->OutputHasRoom()) {
      // The summary would not fit: wait for room rather than lose it.
      job->PauseForSpace(absl::ResourceExhaustedError("no room for the summary file"),
                         now + options_.full_disk_retry);
      continue;
    }
    EndJob(*job, v1::OfflineJob::STATE_DONE, now);
  }
  std::erase_if(jobs_, [](const auto& job) { return IsFinal(job->record().state()); });
}

void JobRunner::Save(const v1::OfflineJob& record) {
  absl::MutexLock save(&save_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_.contains(record.id())) return;  // Cancel wrote the final record
  }
  if (absl::Status s = Write(record); !s.ok()) {
    LogWarning("offline job progress not saved", {{"job", record.id()}, {"error", s.ToString()}});
  }
}

void JobRunner::Publish(const v1::OfflineJob& record) {
  absl::MutexLock lock(&mu_);
  auto it = published_.find(record.id());
  if (it == published_.end() || cancelled_.contains(record.id())) return;
  it->second = record;
}

void JobRunner::ShutDown() {
  std::vector<std::shared_ptr<ChunkCall>> calls;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, call] : calls_) calls.push_back(call);
  }
  Cancel(calls);
  {
    absl::MutexLock lock(&mu_);
    auto all_answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_.empty(); };
    mu_.Await(absl::Condition(&all_answered));
  }
  // Unfinished jobs stay queued or running in the store: a restart resumes them.
  const absl::Time now = deps_.clock->Now();
  for (auto& job : jobs_) {
    job->Refresh(now);
    Save(job->record());
  }
  LogInfo("offline job runner stopped", {{"unfinished_jobs", absl::StrCat(jobs_.size())}});
}

}  // namespace infaas::offline
