#include "controller/serving_metrics.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/latency_histogram.h"

namespace infaas::controller {
namespace {

// The protocol's single model version (INFaaS variants are not versioned).
constexpr char kVersion[] = "1";

}  // namespace

struct ServingMetrics::Families {
  explicit Families(metrics::MetricsRegistry& r)
      : success(r.AddCounter("nv_inference_request_success_total",
                             "Successful inference requests (Triton's "
                             "nv_inference_request_success), by the variant that served.",
                             {"model", "version"})),
        failure(r.AddCounter("nv_inference_request_failure_total",
                             "Failed inference requests (Triton's nv_inference_request_failure), "
                             "by the model name the request gave and the error code.",
                             {"model", "version", "reason"})),
        inferences(r.AddCounter("nv_inference_count_total",
                                "Inputs answered (Triton's nv_inference_count).",
                                {"model", "version"})),
        executions(r.AddCounter("nv_inference_exec_count_total",
                                "Model executions (Triton's nv_inference_exec_count); a batch "
                                "shared by several requests counts by each one's share.",
                                {"model", "version"})),
        request_seconds(r.AddCounter(
            "nv_inference_request_duration_seconds_total",
            "Cumulative request time at the master (Triton's nv_inference_request_duration_us).",
            {"model", "version"})),
        queue_seconds(r.AddCounter(
            "nv_inference_queue_duration_seconds_total",
            "Cumulative time in worker queues (Triton's nv_inference_queue_duration_us).",
            {"model", "version"})),
        compute_seconds(
            r.AddCounter("nv_inference_compute_infer_duration_seconds_total",
                         "Cumulative inference time of the batches requests ran in (Triton's "
                         "nv_inference_compute_infer_duration_us).",
                         {"model", "version"})),
        request_latency(r.AddHistogram("nv_inference_request_duration_seconds",
                                       "Request time at the master.", {"model", "version"},
                                       metrics::LatencyBucketsSeconds())),
        queue_latency(r.AddHistogram("nv_inference_queue_duration_seconds",
                                     "Time in the worker's queue.", {"model", "version"},
                                     metrics::LatencyBucketsSeconds())),
        compute_latency(r.AddHistogram("nv_inference_compute_infer_duration_seconds",
                                       "Inference time of the batch the request ran in.",
                                       {"model", "version"}, metrics::LatencyBucketsSeconds())),
        slo_attained(r.AddCounter("infaas_slo_attained_total",
                                  "Queries with a latency target answered within it.",
                                  {"variant"})),
        slo_missed(r.AddCounter("infaas_slo_missed_total",
                                "Queries with a latency target answered after it.", {"variant"})),
        selections(r.AddCounter("infaas_selections_total",
                                "Selector decisions, by chosen variant and query form.",
                                {"variant", "form"})),
        loads(r.AddCounter("infaas_variant_loads_total",
                           "Variants a worker began serving (from heartbeats).",
                           {"variant", "worker"})),
        unloads(r.AddCounter("infaas_variant_unloads_total",
                             "Variants a worker stopped serving (from heartbeats).",
                             {"variant", "worker"})),
        workers_alive(r.AddGauge("infaas_workers_alive", "Workers heard from recently.")),
        variants_registered(r.AddGauge("infaas_variants_registered", "Variants in the catalogue.")),
        cpu_utilization(r.AddGauge("nv_cpu_utilization",
                                   "CPU utilisation of the worker's machine, 0..1.", {"worker"})),
        memory_used(r.AddGauge("nv_cpu_memory_used_bytes", "Memory in use on the worker's machine.",
                               {"worker"})),
        memory_total(
            r.AddGauge("nv_cpu_memory_total_bytes", "Memory of the worker's machine.", {"worker"})),
        instances(
            r.AddGauge("infaas_variant_instances", "Loaded instances.", {"variant", "worker"})),
        queue_length(r.AddGauge("infaas_variant_queue_length", "Queries waiting or running.",
                                {"variant", "worker"})),
        served_rate(r.AddGauge("infaas_variant_served_queries_per_second",
                               "Recent served rate, as the worker reports it.",
                               {"variant", "worker"})),
        p50(r.AddGauge("infaas_variant_latency_p50_seconds", "Recent median latency at the worker.",
                       {"variant", "worker"})),
        p99(r.AddGauge("infaas_variant_latency_p99_seconds", "Recent p99 latency at the worker.",
                       {"variant", "worker"})),
        prediction_error(r.AddHistogram(
            "infaas_prediction_error_ratio",
            "The latency model's error per answered query: |predicted - measured| / measured "
            "of the latency at the master, by the variant that served.",
            {"variant"}, {0.05, 0.1, 0.2, 0.5, 1, 2, 5})) {}

  metrics::CounterFamily& success;
  metrics::CounterFamily& failure;
  metrics::CounterFamily& inferences;
  metrics::CounterFamily& executions;
  metrics::CounterFamily& request_seconds;
  metrics::CounterFamily& queue_seconds;
  metrics::CounterFamily& compute_seconds;
  metrics::HistogramFamily& request_latency;
  metrics::HistogramFamily& queue_latency;
  metrics::HistogramFamily& compute_latency;
  metrics::CounterFamily& slo_attained;
  metrics::CounterFamily& slo_missed;
  metrics::CounterFamily& selections;
  metrics::CounterFamily& loads;
  metrics::CounterFamily& unloads;
  metrics::GaugeFamily& workers_alive;
  metrics::GaugeFamily& variants_registered;
  metrics::GaugeFamily& cpu_utilization;
  metrics::GaugeFamily& memory_used;
  metrics::GaugeFamily& memory_total;
  metrics::GaugeFamily& instances;
  metrics::GaugeFamily& queue_length;
  metrics::GaugeFamily& served_rate;
  metrics::GaugeFamily& p50;
  metrics::GaugeFamily& p99;
  metrics::HistogramFamily& prediction_error;
};

double VariantStatistics::PredictionErrorPercentile(double p) const {
  return PercentileOf({prediction_error_percent.begin(), prediction_error_percent.end()}, p);
}

ServingMetrics::ServingMetrics(metrics::MetricsRegistry* registry, ClusterView* cluster,
                               CatalogueView* catalogue, Clock* clock)
    : registry_(registry),
      cluster_(cluster),
      catalogue_(catalogue),
      clock_(clock),
      families_(std::make_unique<Families>(*registry)),
      autoscaler_actions_(registry->AddCounter(
          "infaas_autoscaler_actions_total",
          "Autoscaler actions, by action (e.g. load, unload, add_worker) and variant.",
          {"action", "variant"})) {
  registry_->AddCollector([this] { Collect(); });
}

ServingMetrics::~ServingMetrics() = default;

void ServingMetrics::OnVariantSelected(const QueryRequirements& requirements,
                                       const Selection& selection) {
  const char* form = !requirements.variant.empty()        ? "variant"
                     : !requirements.architecture.empty() ? "architecture"
                                                          : "family";
  families_->selections.With({selection.variant, form}).Increment();
}

void ServingMetrics::OnQueryDone(const QueryRequirements& requirements,
                                 const absl::StatusOr<v1::QueryOnlineResponse>& result,
                                 absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  if (!result.ok())
    return RecordFailure(RequestedModelName(requirements, *catalogue_->Get()), result.status(),
                         elapsed);
  const std::vector<std::string> model = {result->variant(), kVersion};
  const int inputs = result->outputs_size();
  const int batch = std::max(result->batch_size(), inputs);
  const double share = batch > 0 ? static_cast<double>(inputs) / batch : 1.0;
  const double queue = result->queue_time_ms() / 1000;
  const double compute = result->compute_time_ms() / 1000;
  families_->success.With(model).Increment();
  families_->inferences.With(model).Increment(inputs);
  families_->executions.With(model).Increment(share);
  families_->request_seconds.With(model).Increment(seconds);
  families_->queue_seconds.With(model).Increment(queue);
  families_->compute_seconds.With(model).Increment(compute);
  families_->request_latency.With(model).Observe(seconds);
  families_->queue_latency.With(model).Observe(queue);
  families_->compute_latency.With(model).Observe(compute);
  const double measured_ms = result->measured_latency_ms();
  const double predicted_ms = result->predicted_latency_ms();
  double error_ratio = -1;
  if (measured_ms > 0 && std::isfinite(predicted_ms)) {
    error_ratio = std::abs(predicted_ms - measured_ms) / measured_ms;
    families_->prediction_error.With({result->variant()}).Observe(error_ratio);
  }
  if (requirements.latency_slo_ms > 0) {
    const bool attained = seconds * 1000 <= requirements.latency_slo_ms;
    (attained ? families_->slo_attained : families_->slo_missed)
        .With({result->variant()})
        .Increment();
  }
  absl::MutexLock lock(&mu_);
  VariantStatistics& s = statistics_[result->variant()];
  s.inference_count += inputs;
  s.execution_count += share;
  s.last_inference = clock_->Now();
  ++s.success.count;
  s.success.seconds += seconds;
  ++s.queue.count;
  s.queue.seconds += queue;
  ++s.compute_infer.count;
  s.compute_infer.seconds += compute;
  if (error_ratio >= 0) {
    constexpr size_t kErrorsKept = 256;
    s.prediction_error_percent.push_back(error_ratio * 100);
    if (s.prediction_error_percent.size() > kErrorsKept) s.prediction_error_percent.pop_front();
  }
  VariantStatistics::Duration& b = s.batches[batch];
  ++b.count;
  b.seconds += compute;
}

void ServingMetrics::RecordFailure(const std::string& model, const absl::Status& status,
                                   absl::Duration elapsed) {
  families_->failure.With({model, kVersion, FailureReason(status)}).Increment();
  absl::MutexLock lock(&mu_);
  VariantStatistics& s = statistics_[model];
  ++s.fail.count;
  s.fail.seconds += absl::ToDoubleSeconds(elapsed);
}

void ServingMetrics::OnHeartbeat(const worker_rpc::HeartbeatRequest& beat) {
  std::set<std::string> now;
  for (const worker_rpc::VariantLoad& v : beat.variants()) {
    if (v.instances() > 0) now.insert(v.variant());
  }
  std::vector<std::string> loaded, unloaded;
  {
    absl::MutexLock lock(&mu_);
    std::set<std::string>& before = serving_[beat.worker_id()];
    std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                        std::back_inserter(loaded));
    std::set_difference(before.begin(), before.end(), now.begin(), now.end(),
                        std::back_inserter(unloaded));
    before = std::move(now);
  }
  for (const std::string& v : loaded) families_->loads.With({v, beat.worker_id()}).Increment();
  for (const std::string& v : unloaded) {
    families_->unloads.With({v, beat.worker_id()}).Increment();
  }
}

VariantStatistics ServingMetrics::StatisticsOf(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = statistics_.find(name);
  return it == statistics_.end() ? VariantStatistics() : it->second;
}

void ServingMetrics::Collect() {
  std::shared_ptr<const ClusterSnapshot> cluster = cluster_->Snapshot(clock_->Now());
  Families& f = *families_;
  f.workers_alive.With({}).Set(static_cast<double>(cluster->workers.size()));
  f.variants_registered.With({}).Set(static_cast<double>(catalogue_->Get()->variants.size()));
  for (metrics::GaugeFamily* per_worker :
       {&f.cpu_utilization, &f.memory_used, &f.memory_total, &f.instances, &f.queue_length,
        &f.served_rate, &f.p50, &f.p99}) {
    per_worker->Clear();  // workers that left, variants unloaded
  }
  for (const WorkerSnapshot& w : cluster->workers) {
    f.cpu_utilization.With({w.id}).Set(w.cpu_utilization);
    if (w.total_memory_bytes > 0) {
      f.memory_total.With({w.id}).Set(static_cast<double>(w.total_memory_bytes));
      f.memory_used.With({w.id}).Set(
          static_cast<double>(w.total_memory_bytes - w.free_memory_bytes));
    }
    for (const LoadedVariant& v : w.variants) {
      if (v.loading) continue;
      const std::vector<std::string> labels = {v.variant, w.id};
      f.instances.With(labels).Set(v.instances);
      f.queue_length.With(labels).Set(v.queue_length);
      f.served_rate.With(labels).Set(v.served_qps);
      f.p50.With(labels).Set(v.p50_latency_ms / 1000);
      f.p99.With(labels).Set(v.p99_latency_ms / 1000);
    }
  }
}

}  // namespace infaas::controller
