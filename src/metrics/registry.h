#pragma once

// MetricsRegistry: the process's metrics, as named families of counters,
// gauges and histograms with label sets, rendered in the Prometheus text
// exposition format. No HTTP here: the master's metrics port serves
// TextExposition() (src/http).
//
//   MetricsRegistry& registry = ...;   // one per process, owned by main
//   CounterFamily& actions = registry.AddCounter(
//       "infaas_autoscaler_actions_total", "Autoscaler actions taken.", {"action", "variant"});
//   actions.With({"replicate", "lenet5_torchscript_cpu1_b8"}).Increment();
//
//   // Gauges computed from other state at scrape time:
//   GaugeFamily& alive = registry.AddGauge("infaas_workers_alive", "Live workers.");
//   registry.AddCollector([&] { alive.With({}).Set(cluster.LiveWorkers(now)); });
//
// Names follow Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics,
// [a-zA-Z_][a-zA-Z0-9_]* (no leading "__") for labels; counters end in
// "_total" and durations are in seconds, so `promtool check metrics` passes.
// Adding a family whose name exists returns the existing one when kind,
// label names and buckets agree (modules need not coordinate; the first
// help text stays); anything else
// (a bad name, a clash, With() given the wrong number of values) is a
// programming error and aborts with a message.
//
// Thread-safe. Families and their metrics live as long as the registry;
// references stay valid (except children dropped by GaugeFamily::Clear()).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "metrics/metric.h"

namespace infaas::metrics {

enum class MetricKind { kCounter, kGauge, kHistogram };

// One named metric with its label names, and one child per label set seen.
template <typename Metric>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::vector<std::string> label_names, Factory factory)
      : label_names_(std::move(label_names)), factory_(std::move(factory)) {}

  // The metric for `label_values` (one per label name, in order), created
  // at zero on first use.
  Metric& With(const std::vector<std::string>& label_values);

  // Drops every child (for gauges rebuilt by a collector at each scrape).
  void Clear();

  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls `visit(label_values, metric)` for each child in label order.
  void ForEach(
      const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const;

 private:
  const std::vector<std::string> label_names_;
  const Factory factory_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  // `upper_bounds` ascending and finite (e.g. LatencyBucketsSeconds()).
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names,
                                std::vector<double> upper_bounds);

  // `collect` runs at the start of every TextExposition(), one at a time,
  // in the order added: it refreshes metrics derived from other state.
  void AddCollector(std::function<void()> collect);

  // Every family, sorted by name, in the Prometheus text format 0.0.4
  // (content type "text/plain; version=0.0.4; charset=utf-8"). A family
  // with no children is listed with its HELP and TYPE only.
  std::string TextExposition();

 private:
  struct Entry {
    MetricKind kind = MetricKind::kCounter;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> upper_bounds;  // histograms
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
  };
  Entry& AddEntry(const std::string& name, MetricKind kind, const std::string& help,
                  std::vector<std::string> label_names, std::vector<double> upper_bounds);

  absl::Mutex scrape_mu_;  // one exposition (and its collectors) at a time
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> collectors_ ABSL_GUARDED_BY(mu_);
};

// Aborts with `message` on stderr: a broken invariant in how metrics are
// declared, never a reaction to input.
[[noreturn]] void DieOnMisuse(const std::string& message);

template <typename Metric>
Metric& Family<Metric>::With(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    DieOnMisuse("metrics: With() got " + std::to_string(label_values.size()) +
                " label values for " + std::to_string(label_names_.size()) + " label names");
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Metric>& child = children_[label_values];
  if (child == nullptr) child = factory_();
  return *child;
}

template <typename Metric>
void Family<Metric>::Clear() {
  absl::MutexLock lock(&mu_);
  children_.clear();
}

template <typename Metric>
void Family<Metric>::ForEach(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, metric] : children_) visit(labels, *metric);
}

}  // namespace infaas::metrics
