// Whole simulated runs: the same seed gives the same run bit for bit, and
// every query is answered exactly once.

#include "sim/simulation.h"

#include <gtest/gtest.h>

#include "autoscaler/scaling.h"
#include "controller/testing/variant_records.h"

namespace infaas::sim {
namespace {

using controller::testing::MakeVariant;

std::shared_ptr<const controller::Catalogue> Zoo() {
  auto catalogue = std::make_shared<controller::Catalogue>();
  catalogue->variants = {
      MakeVariant({.name = "lenet5_onnx_cpu1_b1", .latency = {{1, 1.0}}}),
      MakeVariant({.name = "lenet5_onnx_cpu1_b8", .max_batch = 8, .latency = {{1, 1.0}, {8, 3.0}}}),
      MakeVariant({.name = "vgg_mini_torchscript_cpu1_b8",
                   .architecture = "vgg_mini",
                   .max_batch = 8,
                   .latency = {{1, 6.0}, {8, 20.0}},
                   .load_ms = 300,
                   .framework = v1::FRAMEWORK_TORCHSCRIPT}),
  };
  return catalogue;
}

controller::QueryRequirements ByArchitecture(const std::string& architecture, double slo_ms) {
  controller::QueryRequirements r;
  r.architecture = architecture;
  r.latency_slo_ms = slo_ms;
  return r;
}

SimulationOptions Options(uint64_t seed) {
  SimulationOptions options;
  options.workers = 2;
  options.seed = seed;
  options.master.policy = autoscaler::PolicyKind::kInfaas;
  options.master.max_workers = 4;
  options.master.worker.cores = 2;
  options.master.worker.noise_cv = 0.1;
  options.streams = {
      {.name = "lenet5",
       .requirements = ByArchitecture("lenet5", 20),
       .schedule = {{.qps = 200, .duration = absl::Seconds(10)},
                    {.qps = 600, .duration = absl::Seconds(10)}}},
      {.name = "vgg_mini",
       .requirements = ByArchitecture("vgg_mini", 100),
       .schedule = {{.qps = 50, .duration = absl::Seconds(20)}}},
  };
  return options;
}

TEST(SimulationTest, EveryQueryIsAnsweredExactlyOnce) {
  absl::StatusOr<SimulationResult> r = RunSimulation(Zoo(), Options(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->sent, 8000);
  EXPECT_EQ(r->answered, r->sent);
  EXPECT_EQ(r->total.unanswered, 0);
  int64_t per_stream = 0;
  for (const StreamResult& s : r->streams) {
    per_stream += s.report.total.sent;
    const loadgen::IntervalStats& t = s.report.total;
    int64_t errors = 0;
    for (const auto& [code, n] : t.errors) errors += n;
    EXPECT_EQ(t.ok + errors, t.sent) << s.name;
  }
  EXPECT_EQ(per_stream, r->sent);
  EXPECT_GT(r->events, r->sent);
  EXPECT_GT(r->worker_seconds, 2 * absl::ToDoubleSeconds(r->simulated) - 1e-9);
  EXPECT_GT(r->busy_core_seconds, 0);
  EXPECT_FALSE(r->samples.empty());
}

TEST(SimulationTest, TheSameSeedGivesTheSameRunBitForBit) {
  absl::StatusOr<SimulationResult> a = RunSimulation(Zoo(), Options(7));
  absl::StatusOr<SimulationResult> b = RunSimulation(Zoo(), Options(7));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sent, b->sent);
  EXPECT_EQ(a->events, b->events);
  EXPECT_EQ(a->worker_seconds, b->worker_seconds);
  EXPECT_EQ(a->busy_core_seconds, b->busy_core_seconds);
  EXPECT_EQ(a->total.total.ok, b->total.total.ok);
  EXPECT_EQ(a->total.total.p99_ms, b->total.total.p99_ms);
  EXPECT_EQ(a->total.total.errors, b->total.total.errors);
  ASSERT_EQ(a->actions.size(), b->actions.size());
  for (size_t i = 0; i < a->actions.size(); ++i) {
    EXPECT_EQ(a->actions[i].at, b->actions[i].at);
    EXPECT_EQ(autoscaler::Describe(a->actions[i].action),
              autoscaler::Describe(b->actions[i].action));
  }
  absl::StatusOr<SimulationResult> other = RunSimulation(Zoo(), Options(8));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->events, a->events);
}

TEST(SimulationTest, ThePolicyScalesUpUnderTheStepAndServesMostQueriesInTime) {
  absl::StatusOr<SimulationResult> r = RunSimulation(Zoo(), Options(3));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->actions.empty()) << "the policy never acted on a 3x step";
  for (const StreamResult& s : r->streams) {
    EXPECT_GT(s.report.total.slo_attainment, 0.8) << s.name;
  }
}

TEST(SimulationTest, ATraceStreamSendsExactlyItsArrivals) {
  SimulationOptions options = Options(1);
  options.streams.resize(1);
  std::vector<absl::Duration> trace;
  for (int i = 0; i < 500; ++i) trace.push_back(absl::Milliseconds(7 * i));
  options.streams[0].trace = trace;
  absl::StatusOr<SimulationResult> r = RunSimulation(Zoo(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sent, 500);
  EXPECT_EQ(r->answered, 500);
  // 3.5 s of arrivals, 1-s intervals: 143 in each of the first three.
  const loadgen::LoadReport& report = r->streams[0].report;
  ASSERT_GE(report.intervals.size(), 4u);
  EXPECT_EQ(report.intervals[0].sent, 143);
  EXPECT_EQ(report.intervals[3].sent, 500 - 3 * 143);
}

TEST(SimulationTest, AWarmUpLoadsTheVariantAndIsLeftOutOfTheReport) {
  SimulationOptions options = Options(1);
  options.streams.resize(1);
  options.streams[0].schedule = {{.qps = 100, .duration = absl::Seconds(2)}};
  options.master.policy = autoscaler::PolicyKind::kStatic;
  absl::StatusOr<SimulationResult> cold = RunSimulation(Zoo(), options);
  Stream warmup = options.streams[0];
  warmup.schedule = {{.qps = 5, .duration = absl::Seconds(2)}};
  options.warmup = warmup;
  absl::StatusOr<SimulationResult> warm = RunSimulation(Zoo(), options);
  ASSERT_TRUE(cold.ok() && warm.ok());
  // The same arrivals are measured; only the warm run has its variant ready.
  EXPECT_EQ(warm->sent, cold->sent);
  EXPECT_EQ(warm->answered, warm->sent);
  EXPECT_EQ(warm->simulated, cold->simulated);
  const loadgen::IntervalStats& first_cold = cold->streams[0].report.intervals[0];
  const loadgen::IntervalStats& first_warm = warm->streams[0].report.intervals[0];
  EXPECT_EQ(first_warm.sent, first_cold.sent);
  EXPECT_DOUBLE_EQ(first_warm.slo_attainment, 1.0);
  EXPECT_GT(first_warm.attained, first_cold.attained);
}

TEST(SimulationTest, NoStreamIsRefused) {
  SimulationOptions options = Options(1);
  options.streams.clear();
  EXPECT_EQ(RunSimulation(Zoo(), options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::sim
