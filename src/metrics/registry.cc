#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "metrics/internal/text_format.h"

namespace infaas::metrics {
namespace {

const char* KindName(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void CheckDeclaration(const std::string& name, const std::vector<std::string>& label_names,
                      const std::vector<double>& upper_bounds) {
  if (!internal::IsValidMetricName(name)) {
    DieOnMisuse(absl::StrCat("metrics: \"", name, "\" is not a valid metric name"));
  }
  for (const std::string& label : label_names) {
    if (!internal::IsValidLabelName(label)) {
      DieOnMisuse(absl::StrCat("metrics: ", name, ": \"", label, "\" is not a valid label name"));
    }
  }
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
      DieOnMisuse(absl::StrCat("metrics: ", name, ": bucket bounds must be finite and ascending"));
    }
  }
}

void AppendHistogram(const std::string& name, const std::vector<std::string>& label_names,
                     const HistogramFamily& family, std::string* out) {
  std::vector<std::string> names = label_names;
  names.push_back("le");
  family.ForEach([&](const std::vector<std::string>& labels, const Histogram& h) {
    const Histogram::Reading r = h.Read();
    std::vector<std::string> values = labels;
    values.emplace_back();
    for (size_t i = 0; i < r.upper_bounds.size(); ++i) {
      values.back() = internal::FormatValue(r.upper_bounds[i]);
      absl::StrAppend(out, internal::SampleLine(name + "_bucket", names, values,
                                                static_cast<double>(r.cumulative_counts[i])));
    }
    values.back() = "+Inf";
    absl::StrAppend(
        out, internal::SampleLine(name + "_bucket", names, values, static_cast<double>(r.count)),
        internal::SampleLine(name + "_sum", label_names, labels, r.sum),
        internal::SampleLine(name + "_count", label_names, labels, static_cast<double>(r.count)));
  });
}

}  // namespace

void DieOnMisuse(const std::string& message) {
  std::cerr << message << std::endl;
  std::abort();
}

MetricsRegistry::Entry& MetricsRegistry::AddEntry(const std::string& name, MetricKind kind,
                                                  const std::string& help,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> upper_bounds) {
  CheckDeclaration(name, label_names, upper_bounds);
  absl::MutexLock lock(&mu_);
  auto [it, added] = entries_.try_emplace(name);
  Entry& e = it->second;
  if (!added) {
    if (e.kind != kind || e.label_names != label_names || e.upper_bounds != upper_bounds) {
      DieOnMisuse(absl::StrCat("metrics: ", name, " is already declared as a ", KindName(e.kind),
                               " with labels {", absl::StrJoin(e.label_names, ","),
                               "} and its own buckets"));
    }
    return e;
  }
  e.kind = kind;
  e.help = help;
  e.label_names = label_names;
  e.upper_bounds = upper_bounds;
  switch (kind) {
    case MetricKind::kCounter:
      e.counters =
          std::make_unique<CounterFamily>(label_names, [] { return std::make_unique<Counter>(); });
      break;
    case MetricKind::kGauge:
      e.gauges =
          std::make_unique<GaugeFamily>(label_names, [] { return std::make_unique<Gauge>(); });
      break;
    case MetricKind::kHistogram:
      e.histograms = std::make_unique<HistogramFamily>(
          label_names, [upper_bounds] { return std::make_unique<Histogram>(upper_bounds); });
      break;
  }
  return e;
}

CounterFamily& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                           std::vector<std::string> label_names) {
  return *AddEntry(name, MetricKind::kCounter, help, std::move(label_names), {}).counters;
}

GaugeFamily& MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names) {
  return *AddEntry(name, MetricKind::kGauge, help, std::move(label_names), {}).gauges;
}

HistogramFamily& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                               std::vector<std::string> label_names,
                                               std::vector<double> upper_bounds) {
  return *AddEntry(name, MetricKind::kHistogram, help, std::move(label_names),
                   std::move(upper_bounds))
              .histograms;
}

void MetricsRegistry::AddCollector(std::function<void()> collect) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collect));
}

std::string MetricsRegistry::TextExposition() {
  absl::MutexLock scrape(&scrape_mu_);
  std::vector<std::function<void()>> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect();  // outside mu_: they use the families

  std::string out;
  absl::MutexLock lock(&mu_);
  // Not a structured binding: clang 14 cannot capture one in the lambdas below.
  for (const auto& entry : entries_) {
    const std::string& name = entry.first;
    const auto& e = entry.second;
    absl::StrAppend(&out, "# HELP ", name, " ", internal::EscapeHelp(e.help), "\n", "# TYPE ", name,
                    " ", KindName(e.kind), "\n");
    if (e.counters != nullptr) {
      e.counters->ForEach([&](const std::vector<std::string>& labels, const Counter& c) {
        out += internal::SampleLine(name, e.label_names, labels, c.Value());
      });
    } else if (e.gauges != nullptr) {
      e.gauges->ForEach([&](const std::vector<std::string>& labels, const Gauge& g) {
        out += internal::SampleLine(name, e.label_names, labels, g.Value());
      });
    } else {
      AppendHistogram(name, e.label_names, *e.histograms, &out);
    }
  }
  return out;
}

}  // namespace infaas::metrics
