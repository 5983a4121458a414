#pragma once

// ActiveJob: one unfinished offline job as the job runner works on it —
// its inputs, the variant it runs on, the ledger of its items and its
// record (counters, failures, state). Turns chunks into Infer requests and
// their answers into result files.
//
//   ActiveJob job(record);
//   RETURN_IF_ERROR(job.Start(*catalogue, *cluster, now));
//   while (auto chunk = job.NextChunk("worker-1")) Send(chunk->request);
//   ... answer arrives ...
//   job.OnChunkDone(chunk_id, status, response, now);
//   if (job.Finished()) job.Finish(now);
//
// Start also resumes: inputs whose result file exists count as done, and
// inputs the record lists as failed stay failed. Owned and used by the job
// runner's thread only; not thread-safe.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/folder_handle.h"
#include "common/path_roots.h"
#include "controller/cluster_snapshot.h"
#include "controller/selector.h"
#include "infaas/v1/catalogue.pb.h"
#include "infaas/worker_rpc/worker.pb.h"
#include "offline/job_inputs.h"
#include "offline/job_ledger.h"
#include "offline/result_files.h"

namespace infaas::offline::internal {

class ActiveJob {
 public:
  struct ChunkRequest {
    int64_t chunk_id = 0;
    infaas::worker_rpc::InferRequest request;
  };

  // Space a paused job waits for in its output folder before resuming.
  static constexpr uintmax_t kMinFreeOutputBytes = uintmax_t{1} << 20;

  // `roots`: where the job's folders must lie (the job runner's --job-root);
  // the folders are opened beneath them, in the record's tenant's share.
  ActiveJob(v1::OfflineJob record, int top_k, PathRoots roots);

  const v1::OfflineJob& record() const { return record_; }
  const std::string& id() const { return record_.id(); }
  bool started() const { return ledger_.has_value(); }
  // The chosen variant's record; valid once started.
  const v1::VariantRecord& variant() const { return variant_; }

  // Lists the inputs, chooses the variant, reads its labels and counts what
  // a previous run finished; the job is then running. UNAVAILABLE or
  // RESOURCE_EXHAUSTED: try again later (no worker can take it yet); any
  // other error: the job cannot run (the caller fails it).
  absl::Status Start(const controller::Catalogue& catalogue,
                     const controller::ClusterSnapshot& cluster, absl::Time now);

  // The next chunk for `worker_id` as an offline Infer request, or nullopt
  // when no input waits. Inputs that cannot be read are recorded as failed
  // on the way.
  std::optional<ChunkRequest> NextChunk(const std::string& worker_id);

  // A chunk's answer. Writes one result file per input on success; puts the
  // inputs back for another worker when the worker or the call failed;
  // retries a chunk that the worker rejected as a whole (a bad input) one
  // input at a time, and records a lone input's rejection as its failure.
  // OK, or an error when a result file cannot be written: RESOURCE_EXHAUSTED
  // for a full disk (the caller pauses the job), others fail it. Answers for unknown chunks are
  // ignored.
  absl::Status OnChunkDone(int64_t chunk_id, const absl::Status& status,
                           const infaas::worker_rpc::InferResponse& response);

  std::map<std::string, int> InFlightByWorker() const;
  std::vector<int64_t> ChunksOn(const std::string& worker_id) const;
  // Some input waits to be handed out.
  bool HasWaitingInputs() const { return started() && ledger_->waiting() > 0; }

  // Every input is done or failed.
  bool Finished() const { return started() && ledger_->Finished(); }

  // The output folder's file system is full (a write failed with
  // RESOURCE_EXHAUSTED): no chunk is handed out until `until`, and after
  // that only once the folder has room again. The record says why.
  void PauseForSpace(const absl::Status& why, absl::Time until);
  // Whether the job waits for space at `now`. Past the pause's end it looks
  // at the folder: with room the pause is lifted (false), without it the
  // pause is extended by `extend` (true).
  bool WaitingForSpace(absl::Time now, absl::Duration extend);
  // The output folder's file system has kMinFreeOutputBytes available (or
  // cannot tell).
  bool OutputHasRoom() const;

  // Counters, rate and updated time into the record.
  void Refresh(absl::Time now);
  // Ends the job in `state` (done, failed with `error`, cancelled) and
  // writes the summary file; a summary that cannot be written is returned
  // as an error after the state is set.
  absl::Status Finish(v1::OfflineJob::State state, absl::Time now, std::string error = "");

 private:
  void RecordFailure(const std::string& input, std::string reason);
  absl::Status WriteResult(size_t item, const infaas::worker_rpc::InferResponse& response, int row);

  v1::OfflineJob record_;
  const ResultFormat format_;
  const PathRoots roots_;
  // Opened by Start, beneath the roots; every input read and result written
  // through them.
  std::optional<FolderHandle> input_;
  std::optional<FolderHandle> output_;
  // Paused for a full output disk until then (InfinitePast: not paused).
  absl::Time paused_until_ = absl::InfinitePast();
  JobInputs inputs_;
  std::optional<JobLedger> ledger_;
  v1::VariantRecord variant_;
  std::vector<std::string> labels_;
  int chunk_size_ = 1;
  int64_t finished_at_start_ = 0;
  absl::Time run_start_;
};

}  // namespace infaas::offline::internal
