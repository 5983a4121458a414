#include "worker/variant_instance.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/logging.h"
#include "common/thread_priority.h"
#include "latency/batching_rules.h"

namespace infaas::worker {
namespace {

// The dims of one example: everything after the batch dimension.
absl::Span<const int64_t> ExampleDims(const backend::Tensor& t) {
  return absl::MakeConstSpan(t.shape).subspan(1);
}

absl::Status CheckQueryTensor(const backend::Tensor& t, absl::string_view variant) {
  if (t.shape.empty() || t.shape[0] < 1 || !t.IsConsistent()) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", variant,
                     ": a query needs a tensor [n >= 1, example dims...] "
                     "whose values match its shape; got shape ",
                     backend::ShapeToString(t.shape), " with ", t.data.size(), " values"));
  }
  return absl::OkStatus();
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

using latency::Predicted;

// How often the executor recomputes its estimates at most.
constexpr absl::Duration kEstimateRefresh = absl::Milliseconds(50);

}  // namespace

absl::StatusOr<std::unique_ptr<VariantInstance>> VariantInstance::Create(
    std::unique_ptr<backend::Model> model, Options options) {
  if (model == nullptr) {
    return absl::InvalidArgumentError("VariantInstance::Create needs a loaded model, got null");
  }
  std::unique_ptr<VariantInstance> instance(
      new VariantInstance(std::move(model), std::move(options)));
  absl::MutexLock lock(&instance->close_mu_);
  VariantInstance* raw = instance.get();
  instance->executor_ = std::thread([raw] { raw->ExecutorLoop(Priority::kOnline); });
  instance->offline_executor_ = std::thread([raw] {
    if (raw->idle_priority_offline_) {
      if (absl::Status s = LowerThisThreadPriority(); !s.ok()) {
        LogWarning("offline executor keeps normal priority",
                   {{"variant", raw->variant_}, {"error", s.ToString()}});
      }
    }
    raw->ExecutorLoop(Priority::kOffline);
  });
  return instance;
}

VariantInstance::VariantInstance(std::unique_ptr<backend::Model> model, Options options)
    : variant_(model->config().name()),
      worker_id_(std::move(options.worker_id)),
      max_batch_size_(std::max(1, model->options().max_batch_size)),
      clock_(options.clock),
      model_(std::move(model)),
      idle_priority_offline_(options.idle_priority_offline),
      queue_(options.queue_capacity),
      offline_queue_(options.queue_capacity),
      offline_answers_("offline-answers", 1),
      recent_(options.clock),
      profile_(std::move(options.profile)),
      execution_times_(std::move(options.execution_times)),
      warmup_batches_(std::max(0, options.warmup_batches)),
      queue_bytes_capacity_(options.queue_bytes_capacity) {
  RefreshEstimates(/*force=*/true);
}

VariantInstance::~VariantInstance() { Close(); }

void VariantInstance::Enqueue(Query query) {
  if (absl::Status valid = CheckQueryTensor(query.examples, variant_); !valid.ok()) {
    query.done(std::move(valid));
    return;
  }
  const int64_t n = query.examples.shape[0];
  if (n > max_batch_size_) {
    query.done(absl::InvalidArgumentError(absl::StrCat(
        "variant ", variant_, ": the query has ", n, " inputs, more than its max batch size ",
        max_batch_size_, "; split the query or use a variant with a larger max batch")));
    return;
  }
  if (closing_.load()) {
    query.done(UnloadingError());
    return;
  }
  const absl::Time now = clock_->Now();
  if (query.priority == Priority::kOnline) {
    if (absl::Status in_time = CheckFinishInTime(n, query.deadline); !in_time.ok()) {
      query.done(std::move(in_time));
      return;
    }
  }
  const size_t bytes = query.examples.data.size() * sizeof(float);
  if (queued_bytes_.fetch_add(bytes) + bytes > queue_bytes_capacity_) {
    queued_bytes_.fetch_sub(bytes);
    query.done(absl::ResourceExhaustedError(absl::StrCat(
        "variant ", variant_, " on worker ", worker_id_, ": the queue holds its limit of ",
        queue_bytes_capacity_ >> 20, " MiB of input; retry later or load more instances")));
    return;
  }
  const Priority priority = query.priority;
  BoundedQueue<Queued>& queue = QueueFor(priority);
  if (priority == Priority::kOnline) {
    recent_.RecordArrival();
    absl::MutexLock lock(&gate_mu_);
    ++online_active_;
  }
  PendingFor(priority).fetch_add(1);
  // TryPush consumes its argument even when it refuses, so keep the callback
  // apart to answer a refused query.
  InferDone done = std::move(query.done);
  auto callback = std::make_shared<InferDone>(std::move(done));
  query.done = [callback](absl::StatusOr<InferResult> result) { (*callback)(std::move(result)); };
  if (priority == Priority::kOnline) queued_examples_.fetch_add(n);
  if (queue.TryPush(Queued{std::move(query), now, bytes})) {
    if (priority == Priority::kOnline) arrivals_total_.fetch_add(1);
    return;
  }
  if (priority == Priority::kOnline) queued_examples_.fetch_sub(n);
  queued_bytes_.fetch_sub(bytes);
  Settle(priority);
  if (queue.closed()) {
    (*callback)(UnloadingError());
    return;
  }
  (*callback)(absl::ResourceExhaustedError(
      absl::StrCat("variant ", variant_, " on worker ", worker_id_, ": the queue is full (",
                   queue_.capacity(), " queries); retry later or load more instances")));
}

latency::ExecutionEstimate VariantInstance::Estimate(int examples) const {
  absl::MutexLock lock(&estimate_mu_);
  const size_t b = static_cast<size_t>(std::clamp(examples, 1, max_batch_size_));
  return estimates_[b];
}

void VariantInstance::RefreshEstimates(bool force) {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&estimate_mu_);
    if (!force && now - estimates_at_ < kEstimateRefresh) return;
  }
  std::vector<latency::BatchTiming> measured;
  if (execution_times_ != nullptr) measured = execution_times_->Take();
  std::vector<latency::ExecutionEstimate> estimates(static_cast<size_t>(max_batch_size_) + 1);
  for (int b = 1; b <= max_batch_size_; ++b) {
    estimates[static_cast<size_t>(b)] = latency::EstimateExecution(profile_, measured, b);
  }
  absl::MutexLock lock(&estimate_mu_);
  estimates_ = std::move(estimates);
  estimates_at_ = now;
}

absl::Status VariantInstance::CheckFinishInTime(int64_t examples, absl::Time deadline) const {
  if (deadline == absl::InfiniteFuture()) return absl::OkStatus();
  const absl::Time now = clock_->Now();
  const int64_t ahead = queued_examples_.load();
  absl::Time finish;
  {
    absl::MutexLock lock(&estimate_mu_);
    finish = latency::PredictedFinish(now, busy_until_, ahead, examples, estimates_);
  }
  if (finish <= deadline) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "variant ", variant_, " on worker ", worker_id_, ": refused at once, predicted to finish ",
      absl::FormatDuration(absl::Trunc(finish - deadline, absl::Microseconds(10))),
      " after its deadline behind ", ahead,
      " queued inputs; retry later, relax the latency target or add capacity"));
}

void VariantInstance::Dequeued(const Queued& item) {
  queued_bytes_.fetch_sub(item.bytes);
  if (item.query.priority == Priority::kOnline) {
    queued_examples_.fetch_sub(item.query.examples.shape[0]);
  }
}

void VariantInstance::BeginClose() {
  closing_.store(true);
  {
    absl::MutexLock lock(&gate_mu_);
    gate_closing_ = true;  // an offline batch waiting at the gate goes on to fail
  }
  queue_.Close();
  offline_queue_.Close();
}

void VariantInstance::Close() {
  BeginClose();
  absl::MutexLock lock(&close_mu_);
  if (executor_.joinable()) executor_.join();
  if (offline_executor_.joinable()) offline_executor_.join();
  offline_answers_.Shutdown();  // delivers what the offline executor answered
}

BoundedQueue<VariantInstance::Queued>& VariantInstance::QueueFor(Priority priority) {
  return priority == Priority::kOnline ? queue_ : offline_queue_;
}

std::atomic<int>& VariantInstance::PendingFor(Priority priority) {
  return priority == Priority::kOnline ? pending_ : offline_pending_;
}

void VariantInstance::EnterModel(Priority priority) {
  absl::MutexLock lock(&gate_mu_);
  if (priority == Priority::kOnline) {
    // At most one offline batch runs at a time: the wait is one batch.
    gate_mu_.Await(absl::Condition(
        +[](bool* running) { return !*running; }, &offline_running_));
    return;
  }
  auto online_idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_mu_) {
    return online_active_ == 0 || gate_closing_;
  };
  gate_mu_.Await(absl::Condition(&online_idle));
  offline_running_ = true;
}

void VariantInstance::LeaveModel() {
  absl::MutexLock lock(&gate_mu_);
  offline_running_ = false;
}

void VariantInstance::Answer(Queued& item, absl::StatusOr<InferResult> result) {
  if (item.query.priority == Priority::kOnline) {
    item.query.done(std::move(result));
    return;
  }
  // Not on the idle-priority thread: finishing a call takes locks (gRPC's)
  // that online calls need, and a low-priority thread preempted while
  // holding one would stall them.
  auto done = std::make_shared<InferDone>(std::move(item.query.done));
  auto answer = std::make_shared<absl::StatusOr<InferResult>>(std::move(result));
  if (!offline_answers_.Schedule([done, answer] { (*done)(std::move(*answer)); })) {
    (*done)(std::move(*answer));  // shutting down: answer here
  }
}

void VariantInstance::Settle(Priority priority) {
  PendingFor(priority).fetch_sub(1);
  if (priority == Priority::kOnline) {
    absl::MutexLock lock(&gate_mu_);
    --online_active_;
  }
}

void VariantInstance::Drain() {
  // With the queues closed but closing_ unset, each executor pops and runs
  // what is left (offline work still after online work), then sees its
  // closed, empty queue and returns.
  queue_.Close();
  offline_queue_.Close();
  absl::MutexLock lock(&close_mu_);
  if (executor_.joinable()) executor_.join();
  if (offline_executor_.joinable()) offline_executor_.join();
  offline_answers_.Shutdown();  // delivers what the offline executor answered
}

absl::Status VariantInstance::UnloadingError() const {
  return absl::UnavailableError(
      absl::StrCat("variant ", variant_, " on worker ", worker_id_, " is unloading"));
}

void VariantInstance::ExecutorLoop(Priority priority) {
  BoundedQueue<Queued>& queue = QueueFor(priority);
  std::optional<Queued> carry;
  while (true) {
    std::optional<Queued> first;
    if (carry.has_value()) {
      first = std::move(carry);
      carry.reset();
    } else {
      first = queue.Pop();
    }
    if (!first.has_value()) return;  // closed and drained
    // Offline work waits at the gate before forming its batch, so that the
    // batch takes in what queued meanwhile; online work forms its batch at
    // once and then waits for a running offline batch, if any.
    if (priority == Priority::kOffline) EnterModel(priority);
    std::vector<Queued> batch = GatherBatch(std::move(*first), queue, &carry);
    if (!batch.empty()) {
      if (priority == Priority::kOnline) EnterModel(priority);
      int64_t examples = 0;
      for (const Queued& item : batch) examples += item.query.examples.shape[0];
      RunBatch(std::move(batch), examples);
    }
    if (priority == Priority::kOffline) LeaveModel();
  }
}

std::vector<VariantInstance::Queued> VariantInstance::GatherBatch(Queued first,
                                                                  BoundedQueue<Queued>& queue,
                                                                  std::optional<Queued>* carry) {
  std::vector<Queued> batch;
  int64_t examples = 0;
  Admit(first, &batch, &examples);  // always admitted or answered: it is alone
  while (examples < max_batch_size_) {
    std::optional<Queued> next = queue.TryPop();
    if (!next.has_value()) break;
    if (!Admit(*next, &batch, &examples)) {
      *carry = std::move(next);
      break;
    }
  }
  return batch;
}

bool VariantInstance::Admit(Queued& item, std::vector<Queued>* batch, int64_t* examples) {
  if (closing_.load()) {
    Dequeued(item);
    Fail(item, UnloadingError());
    return true;
  }
  latency::Candidate candidate{
      .now = clock_->Now(),
      .deadline = item.query.deadline,
      .examples = item.query.examples.shape[0],
      .online = item.query.priority == Priority::kOnline,
      .batch_examples = *examples,
      // Examples of a variable-shaped input batch together only when equal.
      .same_shape =
          batch->empty() || std::ranges::equal(ExampleDims(item.query.examples),
                                               ExampleDims(batch->front().query.examples))};
  for (const Queued& member : *batch) {
    candidate.batch_earliest_deadline =
        std::min(candidate.batch_earliest_deadline, member.query.deadline);
  }
  latency::AdmissionDecision decision;
  {
    absl::MutexLock lock(&estimate_mu_);
    decision = latency::Admit(candidate, estimates_);
  }
  const absl::Time now = candidate.now;
  switch (decision.admission) {
    case latency::Admission::kExpired:
      Dequeued(item);
      Fail(item, absl::DeadlineExceededError(
                     absl::StrCat("variant ", variant_, " on worker ", worker_id_,
                                  ": the query's deadline passed after ", Ms(now - item.enqueued),
                                  " ms in the queue, before its batch started; it was not run")));
      return true;
    case latency::Admission::kDropped:
      Dequeued(item);
      Fail(item, absl::DeadlineExceededError(absl::StrCat(
                     "variant ", variant_, " on worker ", worker_id_,
                     ": dropped before running: predicted finish ",
                     Ms(decision.predicted_finish - item.query.deadline),
                     " ms after its deadline (", Ms(now - item.enqueued), " ms in the queue)")));
      return true;
    case latency::Admission::kLeadsNext:
      return false;
    case latency::Admission::kJoin:
      break;
  }
  Dequeued(item);
  *examples += candidate.examples;
  batch->push_back(std::move(item));
  return true;
}

void VariantInstance::Fail(Queued& item, absl::Status status) {
  Settle(item.query.priority);
  Answer(item, std::move(status));
}

void VariantInstance::RunBatch(std::vector<Queued> batch, int64_t examples) {
  const backend::Tensor& lead = batch.front().query.examples;
  backend::Tensor input;
  input.shape = lead.shape;
  input.shape[0] = examples;
  input.data.reserve(static_cast<size_t>(input.NumElements()));
  for (const Queued& item : batch) {
    input.data.insert(input.data.end(), item.query.examples.data.begin(),
                      item.query.examples.data.end());
  }
  const bool online = batch.front().query.priority == Priority::kOnline;
  const absl::Time start = clock_->Now();
  if (online) {
    const double predicted = Estimate(static_cast<int>(examples)).median_ms;
    absl::MutexLock lock(&estimate_mu_);
    busy_until_ = start + Predicted(predicted);
  }
  absl::StatusOr<backend::Tensor> output = model_->Run(input);
  const absl::Time end = clock_->Now();
  if (online) {
    absl::MutexLock lock(&estimate_mu_);
    busy_until_ = absl::InfinitePast();
  }
  if (online) recent_.RecordBatch(examples);
  batches_total_.fetch_add(1);
  // The first batches after a load warm caches and allocators: not steady state.
  if (batches_run_.fetch_add(1) >= warmup_batches_ && output.ok() && execution_times_ != nullptr) {
    execution_times_->Record(static_cast<int>(examples), Ms(end - start));
  }
  RefreshEstimates(/*force=*/false);
  if (output.ok() &&
      (output->shape.empty() || output->shape[0] != examples || !output->IsConsistent())) {
    output = absl::InternalError(absl::StrCat("variant ", variant_, ": the model returned shape ",
                                              backend::ShapeToString(output->shape),
                                              " for a batch of ", examples));
  }
  if (!output.ok()) {
    LogWarning(
        "batch failed",
        {{"worker", worker_id_}, {"variant", variant_}, {"error", output.status().message()}});
    for (Queued& item : batch) Fail(item, output.status());
    return;
  }
  const size_t row = output->data.size() / static_cast<size_t>(examples);
  size_t offset = 0;
  for (Queued& item : batch) {
    const int64_t n = item.query.examples.shape[0];
    InferResult result;
    result.outputs.shape = output->shape;
    result.outputs.shape[0] = n;
    const auto first = output->data.begin() + static_cast<std::ptrdiff_t>(offset);
    result.outputs.data.assign(first, first + static_cast<std::ptrdiff_t>(row * n));
    offset += row * static_cast<size_t>(n);
    result.queue_time = start - item.enqueued;
    result.compute_time = end - start;
    result.batch_size = static_cast<int>(examples);
    if (online) {
      recent_.RecordServed(Ms(end - item.enqueued));
      served_total_.fetch_add(1);
    } else {
      offline_served_total_.fetch_add(1);
    }
    Settle(item.query.priority);
    Answer(item, std::move(result));
  }
}

}  // namespace infaas::worker
