#pragma once

// ServingMetrics: the master's serving metrics and per-variant statistics.
// It watches the query path (a QueryObserver given to the QueryRouter) and
// the workers' heartbeats, keeps what the Open Inference Protocol's
// statistics endpoint reports, and fills a metrics::MetricsRegistry:
//
//   Triton-compatible (label model = the variant that served, version "1";
//   counters carry the Prometheus "_total" suffix and durations are seconds,
//   so promtool accepts them — see docs/http-api.md for the mapping):
//     nv_inference_request_success_total, nv_inference_request_failure_total
//     (model = the name the query gave, plus reason), nv_inference_count_total,
//     nv_inference_exec_count_total, nv_inference_request_duration_seconds_total,
//     nv_inference_queue_duration_seconds_total,
//     nv_inference_compute_infer_duration_seconds_total, the same three
//     durations as histograms (…_duration_seconds), and per worker
//     nv_cpu_utilization, nv_cpu_memory_used_bytes, nv_cpu_memory_total_bytes;
//   INFaaS's own: infaas_prediction_error_ratio (histogram of |predicted -
//     measured| / measured per variant, the latency model's accuracy),
//     infaas_slo_attained_total / infaas_slo_missed_total and
//     infaas_selections_total per variant, infaas_variant_loads_total /
//     infaas_variant_unloads_total per variant and worker, infaas_workers_alive,
//     infaas_variants_registered, and per loaded variant and worker its
//     instances, queue length, served rate and p50/p99 latency from heartbeats.
//
//   ServingMetrics metrics(&registry, &cluster, &catalogue, Clock::Real());
//   QueryRouter router({..., .observer = &metrics});
//   MasterControlService control(&cluster, clock, interval, &metrics);
//
// Thread-safe. Outlives the router and the services that report to it.

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/query_names.h"
#include "controller/query_observer.h"
#include "infaas/worker_rpc/worker.pb.h"
#include "metrics/registry.h"

namespace infaas::controller {

// Cumulative figures of one variant (or, for failures found before a
// variant was chosen, of the name a query gave), since the master started.
struct VariantStatistics {
  struct Duration {
    int64_t count = 0;
    double seconds = 0;
  };
  int64_t inference_count = 0;  // inputs answered
  double execution_count = 0;   // model executions (a shared batch counts by share)
  absl::Time last_inference = absl::UnixEpoch();
  Duration success;  // whole queries at the master
  Duration fail;
  Duration queue;          // waiting in the worker's queue
  Duration compute_infer;  // the batch's inference
  // Per batch size the query ran in: how many queries, their compute time.
  std::map<int, Duration> batches;
  // The latency model's error on the last answers: |predicted - measured| /
  // measured, in percent (a window of the most recent kept).
  std::deque<double> prediction_error_percent;

  // The p-th percentile (0..100) of prediction_error_percent; 0 when empty.
  double PredictionErrorPercentile(double p) const;
};

class ServingMetrics final : public QueryObserver {
 public:
  ServingMetrics(metrics::MetricsRegistry* registry, ClusterView* cluster, CatalogueView* catalogue,
                 Clock* clock);
  ~ServingMetrics() override;

  void OnVariantSelected(const QueryRequirements& requirements,
                         const Selection& selection) override;
  void OnQueryDone(const QueryRequirements& requirements,
                   const absl::StatusOr<v1::QueryOnlineResponse>& result,
                   absl::Duration elapsed) override;

  // A query for `model` (the name it gave) that failed before or without
  // reaching the router, e.g. a protocol request with a bad tensor.
  void RecordFailure(const std::string& model, const absl::Status& status, absl::Duration elapsed);

  // From the Heartbeat RPC: a variant a worker newly serves counts as a
  // load, one it no longer reports as an unload.
  void OnHeartbeat(const worker_rpc::HeartbeatRequest& beat);

  // The figures kept under `name` (a variant, or a requested name for early
  // failures); zeros when nothing was recorded.
  VariantStatistics StatisticsOf(const std::string& name) const;

  // Families other parts of the master report to (declared here so that
  // /metrics lists them from the start).
  metrics::CounterFamily& autoscaler_actions() { return autoscaler_actions_; }

 private:
  struct Families;
  void Collect();  // gauges from the cluster snapshot, at each scrape

  metrics::MetricsRegistry* const registry_;
  ClusterView* const cluster_;
  CatalogueView* const catalogue_;
  Clock* const clock_;
  const std::unique_ptr<Families> families_;
  metrics::CounterFamily& autoscaler_actions_;

  mutable absl::Mutex mu_;
  std::map<std::string, VariantStatistics> statistics_ ABSL_GUARDED_BY(mu_);
  // Per worker id, the variants its last heartbeat reported serving.
  std::map<std::string, std::set<std::string>> serving_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
