#include "sim/emulated_worker.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/latency_histogram.h"
#include "latency/batching_rules.h"

namespace infaas::sim {
namespace {

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

int ThreadsOf(const v1::VariantRecord& record) {
  return std::max(1, record.config().cpu_threads());
}

}  // namespace

EmulatedWorker::EmulatedWorker(EventLoop* loop, Options options)
    : loop_(loop), options_(std::move(options)), rng_(options_.seed), last_beat_(loop->now()) {}

int EmulatedWorker::MaxBatch(const Variant& v) const {
  return std::max(1, v.record.config().max_batch_size());
}

int EmulatedWorker::ServingInstances(const Variant& v) const {
  return static_cast<int>(std::count_if(v.instances.begin(), v.instances.end(),
                                        [](const auto& i) { return !i->closing; }));
}

int64_t EmulatedWorker::free_memory_bytes() const {
  int64_t used = 0;
  for (const auto& [name, v] : variants_) {
    used += static_cast<int64_t>(v.instances.size() + static_cast<size_t>(v.loading)) *
            v.record.profile().peak_memory_bytes();
  }
  return std::max<int64_t>(0, options_.memory_bytes - used);
}

void EmulatedWorker::RefreshEstimates(Variant& v) {
  const std::vector<latency::BatchTiming> measured = v.times->Take();
  v.estimates.assign(static_cast<size_t>(MaxBatch(v)) + 1, {});
  for (int b = 1; b <= MaxBatch(v); ++b) {
    v.estimates[static_cast<size_t>(b)] =
        latency::EstimateExecution(v.record.profile(), measured, b);
  }
}

double EmulatedWorker::ExecutionMs(const Variant& v, int64_t examples) {
  double ms = latency::ProfileMedianMs(v.record.profile(), static_cast<int>(examples));
  if (!std::isfinite(ms)) ms = 1;
  if (options_.profile_noise) {
    // ln(p99 / p50) = 2.326 sigma for a lognormal of median p50.
    const double p99 = latency::ProfileP99Ms(v.record.profile(), static_cast<int>(examples));
    if (std::isfinite(p99) && p99 > ms) {
      std::normal_distribution<double> normal(0, std::log(p99 / ms) / 2.3263);
      ms *= std::exp(normal(rng_));
    }
  } else if (options_.noise_cv > 0) {
    // A lognormal factor of mean 1 and the given coefficient of variation.
    const double sigma2 = std::log1p(options_.noise_cv * options_.noise_cv);
    std::normal_distribution<double> normal(-sigma2 / 2, std::sqrt(sigma2));
    ms *= std::exp(normal(rng_));
  }
  return ms;
}

void EmulatedWorker::Load(const v1::VariantRecord& record, int instances,
                          std::function<void(const absl::Status&)> done) {
  const std::string name = record.config().name();
  auto [it, added] = variants_.try_emplace(name);
  Variant& v = it->second;
  if (added) {
    v.record = record;
    v.times = std::make_shared<latency::ExecutionTimes>(loop_->clock());
    RefreshEstimates(v);
  }
  const int more = std::max(1, instances) - (ServingInstances(v) + v.loading);
  if (more <= 0) {
    done(absl::OkStatus());
    return;
  }
  if (free_memory_bytes() < more * record.profile().peak_memory_bytes()) {
    if (added) variants_.erase(it);
    done(absl::ResourceExhaustedError(absl::StrCat("worker ", id(), " has not the memory for ",
                                                   more, " more instance(s) of ", name)));
    return;
  }
  v.loading += more;
  loop_->After(absl::Milliseconds(record.profile().load_latency_ms()),
               [this, name, more, done = std::move(done)] {
                 Variant& loaded = variants_.at(name);
                 loaded.loading -= more;
                 for (int i = 0; i < more; ++i) {
                   loaded.instances.push_back(std::make_unique<Instance>());
                 }
                 done(absl::OkStatus());
               });
}

absl::Status EmulatedWorker::Unload(const std::string& variant, int keep) {
  auto it = variants_.find(variant);
  if (it == variants_.end()) {
    return absl::NotFoundError(
        absl::StrCat("variant ", variant, " is not loaded on worker ", id()));
  }
  Variant& v = it->second;
  // The instances with the least queued close first.
  std::vector<Instance*> open;
  for (const auto& i : v.instances) {
    if (!i->closing) open.push_back(i.get());
  }
  std::stable_sort(open.begin(), open.end(), [](const Instance* a, const Instance* b) {
    return a->queue.size() + a->running < b->queue.size() + b->running;
  });
  const int close = static_cast<int>(open.size()) - std::max(0, keep);
  for (int k = 0; k < close; ++k) open[static_cast<size_t>(k)]->closing = true;
  RemoveDrained(v);
  if (v.instances.empty() && v.loading == 0) variants_.erase(it);
  return absl::OkStatus();
}

int EmulatedWorker::instances() const {
  int n = 0;
  for (const auto& [name, v] : variants_) n += ServingInstances(v) + v.loading;
  return n;
}

void EmulatedWorker::RemoveDrained(Variant& v) {
  std::erase_if(v.instances, [](const std::unique_ptr<Instance>& i) {
    return i->closing && !i->running && i->queue.empty();
  });
}

void EmulatedWorker::Infer(SimQuery query) {
  auto it = variants_.find(query.variant);
  if (it == variants_.end()) {
    query.done(absl::NotFoundError(
                   absl::StrCat("variant ", query.variant, " is not loaded on worker ", id())),
               {});
    return;
  }
  Variant& v = it->second;
  Instance* target = nullptr;
  for (const auto& i : v.instances) {
    if (i->closing) continue;
    if (target == nullptr ||
        i->queue.size() + i->running < target->queue.size() + target->running) {
      target = i.get();
    }
  }
  if (target == nullptr) {
    const absl::Status status =
        v.loading > 0 ? absl::UnavailableError(absl::StrCat("variant ", query.variant,
                                                            " is still loading on worker ", id()))
                      : absl::NotFoundError(absl::StrCat("variant ", query.variant,
                                                         " is being unloaded on worker ", id()));
    query.done(status, {});
    return;
  }
  ++v.arrivals;
  const absl::Time now = loop_->now();
  if (query.deadline != absl::InfiniteFuture() &&
      latency::PredictedFinish(now, target->busy_until, target->queued_examples, query.examples,
                               v.estimates) > query.deadline) {
    query.done(absl::ResourceExhaustedError(
                   absl::StrCat("variant ", query.variant, " on worker ", id(),
                                ": refused at once, predicted to finish after its deadline")),
               {});
    return;
  }
  target->queued_examples += query.examples;
  target->queue.push_back({.query = std::move(query), .enqueued = now});
  if (!target->running) StartBatch(it->first, *target);
}

void EmulatedWorker::StartBatch(const std::string& name, Instance& instance) {
  Variant& v = variants_.at(name);
  const absl::Time now = loop_->now();
  std::vector<Queued> batch;
  int64_t examples = 0;
  absl::Time earliest = absl::InfiniteFuture();
  while (!instance.queue.empty()) {
    Queued& next = instance.queue.front();
    const latency::AdmissionDecision decision =
        latency::Admit({.now = now,
                        .deadline = next.query.deadline,
                        .examples = next.query.examples,
                        .batch_examples = examples,
                        .batch_earliest_deadline = earliest},
                       v.estimates);
    if (decision.admission == latency::Admission::kLeadsNext) break;
    Queued item = std::move(next);
    instance.queue.pop_front();
    instance.queued_examples -= item.query.examples;
    if (decision.admission != latency::Admission::kJoin) {
      item.query.done(absl::DeadlineExceededError(
                          absl::StrCat("variant ", name, " on worker ", id(),
                                       decision.admission == latency::Admission::kExpired
                                           ? ": the deadline passed in the queue"
                                           : ": dropped before running: predicted to finish late")),
                      {});
      continue;
    }
    examples += item.query.examples;
    earliest = std::min(earliest, item.query.deadline);
    batch.push_back(std::move(item));
  }
  if (batch.empty()) {
    RemoveDrained(v);
    return;
  }
  const double threads = ThreadsOf(v.record);
  running_threads_ += static_cast<int>(threads);
  const double slowdown =
      options_.interference ? std::max(1.0, running_threads_ / static_cast<double>(options_.cores))
                            : 1.0;
  const double ms = ExecutionMs(v, examples) * slowdown;
  instance.running = true;
  instance.busy_until =
      now + latency::Predicted(
                v.estimates[static_cast<size_t>(std::clamp<int64_t>(examples, 1, MaxBatch(v)))]
                    .median_ms);
  loop_->After(absl::Milliseconds(ms), [this, name, inst = &instance, batch = std::move(batch),
                                        examples, now, threads]() mutable {
    FinishBatch(name, inst, std::move(batch), examples, now, threads);
  });
}

void EmulatedWorker::FinishBatch(const std::string& name, Instance* instance,
                                 std::vector<Queued> batch, int64_t examples, absl::Time started,
                                 double threads) {
  Variant& v = variants_.at(name);
  const absl::Time now = loop_->now();
  running_threads_ -= static_cast<int>(threads);
  busy_core_seconds_ += threads * Seconds(now - started);
  v.times->Record(static_cast<int>(examples), absl::ToDoubleMilliseconds(now - started));
  RefreshEstimates(v);
  ++v.batches;
  v.batch_examples += examples;
  instance->running = false;
  instance->busy_until = absl::InfinitePast();
  for (Queued& item : batch) {
    ++v.served;
    v.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - item.enqueued));
    item.query.done(absl::OkStatus(), {.queue_time = started - item.enqueued,
                                       .compute_time = now - started,
                                       .batch_size = static_cast<int>(examples)});
  }
  if (!instance->queue.empty()) {
    StartBatch(name, *instance);
  } else {
    RemoveDrained(v);
    if (v.instances.empty() && v.loading == 0) variants_.erase(name);
  }
}

worker_rpc::HeartbeatRequest EmulatedWorker::Heartbeat() {
  const absl::Time now = loop_->now();
  const double elapsed = std::max(1e-3, Seconds(now - last_beat_));
  worker_rpc::HeartbeatRequest beat;
  beat.set_worker_id(id());
  beat.set_address(address());
  beat.set_cores(options_.cores);
  beat.set_cpu_utilization(
      std::min(1.0, (busy_core_seconds_ - busy_at_last_beat_) / (elapsed * options_.cores)));
  beat.set_free_memory_bytes(free_memory_bytes());
  beat.set_total_memory_bytes(options_.memory_bytes);
  for (auto& [name, v] : variants_) {
    worker_rpc::VariantLoad* load = beat.add_variants();
    load->set_variant(name);
    load->set_instances(ServingInstances(v));
    load->set_loading(v.loading > 0);
    int queue = 0;
    for (const auto& i : v.instances) queue += static_cast<int>(i->queue.size()) + i->running;
    load->set_queue_length(queue);
    load->set_arrival_qps(static_cast<double>(v.arrivals) / elapsed);
    load->set_served_qps(static_cast<double>(v.served) / elapsed);
    if (v.batches > 0) {
      load->set_average_batch(static_cast<double>(v.batch_examples) /
                              static_cast<double>(v.batches));
    }
    if (!v.latencies_ms.empty()) {
      load->set_p50_latency_ms(PercentileOf(v.latencies_ms, 50));
      load->set_p99_latency_ms(PercentileOf(v.latencies_ms, 99));
    }
    for (const latency::BatchTiming& t : v.times->Take()) {
      worker_rpc::BatchTiming* timing = load->add_execution();
      timing->set_batch_size(t.batch_size);
      timing->set_median_ms(t.median_ms);
      timing->set_p99_ms(t.p99_ms);
      timing->set_samples(t.samples);
    }
    load->set_load_latency_ms(v.record.profile().load_latency_ms());
    v.arrivals = v.served = v.batches = v.batch_examples = 0;
    v.latencies_ms.clear();
  }
  busy_at_last_beat_ = busy_core_seconds_;
  last_beat_ = now;
  return beat;
}

}  // namespace infaas::sim
