#include "metrics/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace infaas::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, RendersCountersGaugesAndHistogramsSortedByName) {
  MetricsRegistry registry;
  CounterFamily& served =
      registry.AddCounter("b_served_total", "Queries served.", {"model", "version"});
  GaugeFamily& alive = registry.AddGauge("a_workers_alive", "Live workers.");
  HistogramFamily& latency =
      registry.AddHistogram("c_latency_seconds", "Latency.", {"model"}, {0.01, 0.1});
  served.With({"lenet5", "1"}).Increment();
  served.With({"lenet5", "1"}).Increment(2);
  alive.With({}).Set(2);
  latency.With({"lenet5"}).Observe(0.005);
  latency.With({"lenet5"}).Observe(0.05);
  latency.With({"lenet5"}).Observe(7);

  EXPECT_EQ(registry.TextExposition(),
            "# HELP a_workers_alive Live workers.\n"
            "# TYPE a_workers_alive gauge\n"
            "a_workers_alive 2\n"
            "# HELP b_served_total Queries served.\n"
            "# TYPE b_served_total counter\n"
            "b_served_total{model=\"lenet5\",version=\"1\"} 3\n"
            "# HELP c_latency_seconds Latency.\n"
            "# TYPE c_latency_seconds histogram\n"
            "c_latency_seconds_bucket{model=\"lenet5\",le=\"0.01\"} 1\n"
            "c_latency_seconds_bucket{model=\"lenet5\",le=\"0.1\"} 2\n"
            "c_latency_seconds_bucket{model=\"lenet5\",le=\"+Inf\"} 3\n"
            "c_latency_seconds_sum{model=\"lenet5\"} 7.055\n"
            "c_latency_seconds_count{model=\"lenet5\"} 3\n");
}

TEST(MetricsRegistryTest, CountersNeverDecrease) {
  Counter c;
  c.Increment(2);
  c.Increment(-1);
  c.Increment(0.5);
  EXPECT_EQ(c.Value(), 2.5);
}

TEST(MetricsRegistryTest, DeclaringTheSameFamilyTwiceReturnsTheSameOne) {
  MetricsRegistry registry;
  CounterFamily& a = registry.AddCounter("x_total", "X.", {"kind"});
  CounterFamily& b = registry.AddCounter("x_total", "X.", {"kind"});
  EXPECT_EQ(&a, &b);
  a.With({"k"}).Increment();
  EXPECT_EQ(b.With({"k"}).Value(), 1);
}

TEST(MetricsRegistryTest, CollectorsRefreshDerivedGaugesAtEachExposition) {
  MetricsRegistry registry;
  GaugeFamily& per_worker = registry.AddGauge("w_cpu", "CPU.", {"worker"});
  int scrapes = 0;
  registry.AddCollector([&] {
    per_worker.Clear();  // a worker that left disappears
    ++scrapes;
    per_worker.With({absl::StrCat("w", scrapes)}).Set(scrapes);
  });
  EXPECT_THAT(registry.TextExposition(), HasSubstr("w_cpu{worker=\"w1\"} 1\n"));
  const std::string second = registry.TextExposition();
  EXPECT_THAT(second, HasSubstr("w_cpu{worker=\"w2\"} 2\n"));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("w1")));
}

TEST(MetricsRegistryTest, CountsExactlyUnderConcurrentIncrements) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("n_total", "N.", {"t"});
  HistogramFamily& h = registry.AddHistogram("h_seconds", "H.", {}, LatencyBucketsSeconds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        family.With({"same"}).Increment();
        h.With({}).Observe(0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.With({"same"}).Value(), 40000);
  EXPECT_EQ(h.With({}).Read().count, 40000u);
}

TEST(MetricsRegistryDeathTest, MisdeclaredMetricsAbortWithTheReason) {
  MetricsRegistry registry;
  registry.AddCounter("y_total", "Y.", {"a"});
  EXPECT_DEATH(registry.AddGauge("y_total", "Y.", {"a"}), "already declared as a counter");
  EXPECT_DEATH(registry.AddCounter("bad-name", "B."), "not a valid metric name");
  EXPECT_DEATH(registry.AddCounter("z_total", "Z.", {"__x"}), "not a valid label name");
  EXPECT_DEATH(registry.AddCounter("y_total", "Y.", {"a"}).With({}), "0 label values for 1");
}

// promtool (Debian's prometheus package) lints what a registry writes,
// escaping and empty families included.
TEST(MetricsRegistryTest, PromtoolAcceptsTheExposition) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  MetricsRegistry registry;
  registry.AddCounter("infaas_things_total", "Things, \"quoted\"\nand two lines.", {"name"})
      .With({"a\"b\\c\nd"})
      .Increment(4);
  registry.AddCounter("infaas_unused_total", "Declared, never incremented.", {"name"});
  registry.AddGauge("infaas_level", "A level.").With({}).Set(-1.5);
  registry.AddHistogram("infaas_wait_seconds", "Waiting.", {"name"}, LatencyBucketsSeconds())
      .With({"x"})
      .Observe(0.3);
  const std::string path =
      (std::filesystem::temp_directory_path() / absl::StrCat("metrics-", ::getpid(), ".txt"))
          .string();
  std::ofstream(path) << registry.TextExposition();
  const std::string command = absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int rc = ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(rc, 0) << output;
}

}  // namespace
}  // namespace infaas::metrics
