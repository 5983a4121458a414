#include "offline/internal/active_job.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "offline/variant_choice.h"

namespace infaas::offline::internal {
namespace {

namespace fs = std::filesystem;

int64_t UnixMs(absl::Time t) { return absl::ToUnixMillis(t); }

// Errors that say nothing about the inputs: the worker went away, was busy,
// no longer holds the variant, or the call was cancelled or timed out. The
// chunk is redone elsewhere.
bool IsWorkerSideError(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsCancelled(s) || absl::IsNotFound(s) ||
         absl::IsResourceExhausted(s) || absl::IsDeadlineExceeded(s) || absl::IsAborted(s);
}

}  // namespace

ActiveJob::ActiveJob(v1::OfflineJob record, int top_k, PathRoots roots)
    : record_(std::move(record)),
      format_{.raw = record_.raw_output(), .top_k = top_k},
      roots_(std::move(roots)) {}

absl::Status ActiveJob::Start(const controller::Catalogue& catalogue,
                              const controller::ClusterSnapshot& cluster, absl::Time now) {
  ASSIGN_OR_RETURN(const fs::path input, PathFromFileUrl(record_.input_url()));
  ASSIGN_OR_RETURN(const fs::path output, PathFromFileUrl(record_.output_url()));
  ASSIGN_OR_RETURN(std::string variant,
                   ChooseOfflineVariant(record_.requirements(), catalogue, cluster));
  const v1::VariantRecord* chosen = catalogue.Find(variant);
  if (chosen == nullptr) return absl::InternalError("chosen variant missing from the catalogue");
  // Opened again now, beneath the roots: the folders checked at submission
  // may have been replaced since.
  ASSIGN_OR_RETURN(FolderHandle input_folder, OpenInputFolder(roots_, input, record_.tenant()));
  ASSIGN_OR_RETURN(FolderHandle output_folder, OpenOutputFolder(roots_, output, record_.tenant()));
  ASSIGN_OR_RETURN(inputs_, ListJobInputs(input_folder, record_.raw_output()));
  input_.emplace(std::move(input_folder));
  output_.emplace(std::move(output_folder));
  variant_ = *chosen;
  chunk_size_ = backend::EffectiveMaxBatchSize(variant_.config());
  labels_.assign(variant_.labels().begin(), variant_.labels().end());

  ledger_.emplace(inputs_.items.size());
  // Resume: a result that exists is done; a recorded failure stays failed.
  std::map<std::string, bool> failed_before;
  for (const v1::OfflineItemFailure& f : record_.failures()) failed_before[f.input()] = true;
  for (size_t i = 0; i < inputs_.items.size(); ++i) {
    if (failed_before.contains(inputs_.items[i].name)) {
      ledger_->MarkFailed(i);
    } else if (absl::StatusOr<bool> exists = output_->Contains(inputs_.items[i].output_name);
               exists.ok() && *exists) {
      ledger_->MarkDone(i);
    }
  }
  for (const v1::OfflineItemFailure& f : inputs_.rejected) {
    if (!failed_before.contains(f.input())) *record_.add_failures() = f;
  }
  const auto& used = record_.variants_used();
  if (std::find(used.begin(), used.end(), variant) == used.end()) {
    record_.add_variants_used(variant);
  }
  record_.set_state(v1::OfflineJob::STATE_RUNNING);
  record_.set_items_total(inputs_.total());
  record_.set_started_at_unix_ms(UnixMs(now));
  run_start_ = now;
  Refresh(now);
  finished_at_start_ = record_.items_done() + record_.items_failed();
  LogInfo("offline job running", {{"job", id()},
                                  {"variant", variant},
                                  {"inputs", absl::StrCat(record_.items_total())},
                                  {"already_finished", absl::StrCat(finished_at_start_)}});
  return absl::OkStatus();
}

void ActiveJob::RecordFailure(const std::string& input, std::string reason) {
  v1::OfflineItemFailure* f = record_.add_failures();
  f->set_input(input);
  f->set_reason(std::move(reason));
}

std::optional<ActiveJob::ChunkRequest> ActiveJob::NextChunk(const std::string& worker_id) {
  if (!started()) return std::nullopt;
  while (true) {
    std::optional<JobLedger::Chunk> chunk = ledger_->Take(chunk_size_, worker_id);
    if (!chunk.has_value()) return std::nullopt;
    ChunkRequest out;
    out.chunk_id = chunk->id;
    out.request.set_variant(variant_.config().name());
    out.request.set_offline(true);
    std::vector<size_t> unreadable;
    for (size_t item : chunk->items) {
      const JobInput& in = inputs_.items[item];
      absl::StatusOr<std::string> bytes = input_->ReadFileAtMost(in.name, kMaxInputFileBytes);
      if (!bytes.ok()) {
        unreadable.push_back(item);
        RecordFailure(in.name, std::string(bytes.status().message()));
        continue;
      }
      v1::InputTensor* tensor = out.request.add_inputs();
      if (in.kind == InputKind::kImage) {
        tensor->set_encoded_image(*std::move(bytes));
      } else {
        tensor->set_raw_fp32(*std::move(bytes));
      }
    }
    if (unreadable.empty()) return out;
    // Take the chunk back: the unreadable inputs failed, the rest wait again.
    std::vector<size_t> items = ledger_->Close(chunk->id);
    std::vector<size_t> readable;
    for (size_t item : items) {
      if (std::find(unreadable.begin(), unreadable.end(), item) != unreadable.end()) {
        ledger_->MarkFailed(item);
      } else {
        readable.push_back(item);
      }
    }
    ledger_->Requeue(readable, /*one_by_one=*/false);
  }
}

absl::Status ActiveJob::WriteResult(size_t item, const infaas::worker_rpc::InferResponse& response,
                                    int row) {
  const JobInput& in = inputs_.items[item];
  const auto& values = response.outputs(row).values();
  const std::string contents =
      ResultFileContents(in.name, variant_.config().name(),
                         std::vector<float>(values.begin(), values.end()), labels_, format_);
  if (absl::Status s = output_->WriteFileAtomically(in.output_name, contents); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("cannot write the result of ", in.name, ": ",
                                               s.message(), "; check the output folder"));
  }
  return absl::OkStatus();
}

absl::Status ActiveJob::OnChunkDone(int64_t chunk_id, const absl::Status& status,
                                    const infaas::worker_rpc::InferResponse& response) {
  if (!started()) return absl::OkStatus();
  std::vector<size_t> items = ledger_->Close(chunk_id);
  if (items.empty()) return absl::OkStatus();
  if (status.ok() && response.outputs_size() != static_cast<int>(items.size())) {
    // A worker that answers with the wrong count is broken; do not trust it.
    ledger_->Requeue(items, /*one_by_one=*/false);
    return absl::OkStatus();
  }
  if (status.ok()) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (absl::Status s = WriteResult(items[i], response, static_cast<int>(i)); !s.ok()) {
        // Leave this and the rest unresolved for a later run.
        ledger_->Requeue(
            std::vector<size_t>(items.begin() + static_cast<std::ptrdiff_t>(i), items.end()),
            /*one_by_one=*/false);
        return s;
      }
      ledger_->MarkDone(items[i]);
    }
    return absl::OkStatus();
  }
  if (IsWorkerSideError(status)) {
    ledger_->Requeue(items, /*one_by_one=*/false);
  } else if (items.size() > 1) {
    // One bad input fails the whole query: find it by trying each alone.
    ledger_->Requeue(items, /*one_by_one=*/true);
  } else {
    RecordFailure(inputs_.items[items[0]].name, std::string(status.message()));
    ledger_->MarkFailed(items[0]);
  }
  return absl::OkStatus();
}

std::map<std::string, int> ActiveJob::InFlightByWorker() const {
  return started() ? ledger_->InFlightByWorker() : std::map<std::string, int>{};
}

std::vector<int64_t> ActiveJob::ChunksOn(const std::string& worker_id) const {
  return started() ? ledger_->ChunksOn(worker_id) : std::vector<int64_t>{};
}

void ActiveJob::Refresh(absl::Time now) {
  record_.set_updated_at_unix_ms(UnixMs(now));
  if (!started()) return;
  record_.set_items_done(ledger_->done());
  record_.set_items_failed(ledger_->failed() + static_cast<int64_t>(inputs_.rejected.size()));
  const double seconds = absl::ToDoubleSeconds(now - run_start_);
  const int64_t finished = record_.items_done() + record_.items_failed() - finished_at_start_;
  record_.set_items_per_second(seconds > 0 ? finished / seconds : 0);
}

void ActiveJob::PauseForSpace(const absl::Status& why, absl::Time until) {
  if (paused_until_ == absl::InfinitePast()) {
    LogWarning("offline job paused: its output disk is full",
               {{"job", id()}, {"output", record_.output_url()}, {"error", why.ToString()}});
  }
  paused_until_ = until;
  record_.set_paused_reason(
      absl::StrCat("paused: results cannot be written to ", record_.output_url(), " (",
                   why.message(), "); the job resumes by itself when the disk has room again"));
}

bool ActiveJob::WaitingForSpace(absl::Time now, absl::Duration extend) {
  if (paused_until_ == absl::InfinitePast()) return false;
  if (now < paused_until_) return true;
  if (!OutputHasRoom()) {
    paused_until_ = now + extend;
    return true;
  }
  paused_until_ = absl::InfinitePast();
  record_.clear_paused_reason();
  LogInfo("offline job resumes: its output disk has room", {{"job", id()}});
  return false;
}

bool ActiveJob::OutputHasRoom() const {
  if (!output_.has_value()) return true;
  absl::StatusOr<uint64_t> available = output_->AvailableBytes();
  return !available.ok() || *available >= kMinFreeOutputBytes;
}

absl::Status ActiveJob::Finish(v1::OfflineJob::State state, absl::Time now, std::string error) {
  Refresh(now);
  record_.set_state(state);
  record_.set_finished_at_unix_ms(UnixMs(now));
  if (!error.empty()) record_.set_error(std::move(error));
  LogInfo("offline job ended", {{"job", id()},
                                {"state", v1::OfflineJob::State_Name(state)},
                                {"done", absl::StrCat(record_.items_done())},
                                {"failed", absl::StrCat(record_.items_failed())}});
  if (!output_.has_value()) return absl::OkStatus();  // never started: no folder to write to
  return output_->WriteFileAtomically(kSummaryFileName, SummaryFileContents(record_));
}

}  // namespace infaas::offline::internal
