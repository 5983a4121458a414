// The isolated profiler with the real infaas-profiler binary and real zoo
// models: what it measures, and that a model past its time or memory limit,
// or a corrupt one, fails with a clear error and leaves no process behind.

#include "profiler/child_profiler.h"

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/match.h"
#include "backend/model_config.h"
#include "backend/testing/zoo.h"
#include "common/files.h"
#include "common/sanitizers.h"
#include "profiler/profile_job.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;

fs::path ProfilerBinary() {
  const char* dir = std::getenv("INFAAS_BINARY_DIR");
  const fs::path build =
      dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path(INFAAS_DEFAULT_BINARY_DIR);
  return build / "bin" / "infaas-profiler";
}

// No child of this test process is left, running or unreaped.
bool NoChildLeft() { return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD; }

class ChildProfilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = backend::testing::ZooDir() / "lenet5";
    config_ = *backend::ParseModelConfig(*ReadFile(dir_ / "config.pbtxt"), "config.pbtxt");
    limits_.binary = ProfilerBinary();
    limits_.time_limit = absl::Minutes(2);
  }

  ProfileOptions quick_{
      .warmup_runs = 1, .min_runs = 3, .max_runs = 5, .time_per_batch_size = absl::Milliseconds(5)};
  fs::path dir_;
  v1::ModelConfig config_;
  ChildLimits limits_;
};

TEST_F(ChildProfilerTest, MeasuresWhatTheInProcessProfilerMeasures) {
  const std::vector<std::string> labels = backend::testing::ReadLines(dir_ / "labels.txt");
  absl::StatusOr<ValidationSet> validation =
      LoadValidationSet((backend::testing::ZooDir() / "validation").string(), labels, /*limit=*/40);
  ASSERT_TRUE(validation.ok()) << validation.status();

  absl::StatusOr<InstanceMeasurement> child =
      MeasureInChild(config_, dir_, 1, quick_, &*validation, limits_);
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<InstanceMeasurement> here =
      MeasureInstance(config_, dir_, 1, quick_, &*validation);
  ASSERT_TRUE(here.ok()) << here.status();

  EXPECT_EQ(child->framework, v1::FRAMEWORK_TORCHSCRIPT);
  EXPECT_EQ(child->model_file, "lenet5.pt");
  EXPECT_EQ(child->cpu_threads, 1);
  ASSERT_EQ(child->latency.size(), here->latency.size());
  for (size_t i = 0; i < child->latency.size(); ++i) {
    EXPECT_EQ(child->latency[i].batch_size(), here->latency[i].batch_size());
    EXPECT_GT(child->latency[i].median_ms(), 0);
    EXPECT_GE(child->latency[i].runs(), quick_.min_runs);
  }
  // The same examples through the same decoding: the same accuracy.
  EXPECT_EQ(child->validation_samples, 40);
  EXPECT_DOUBLE_EQ(child->accuracy_percent, here->accuracy_percent);
  EXPECT_GT(child->load_latency_ms, 0);
  EXPECT_TRUE(NoChildLeft());
}

TEST_F(ChildProfilerTest, StopsAModelPastItsTimeLimit) {
  limits_.time_limit = absl::Milliseconds(300);
  ProfileOptions slow = quick_;
  slow.min_runs = 1'000'000;  // far more runs than fit in the limit
  slow.max_runs = 1'000'000;
  slow.time_per_batch_size = absl::Hours(1);
  absl::StatusOr<InstanceMeasurement> m = MeasureInChild(config_, dir_, 1, slow, nullptr, limits_);
  ASSERT_EQ(m.status().code(), absl::StatusCode::kDeadlineExceeded) << m.status();
  EXPECT_TRUE(absl::StrContains(m.status().message(), "lenet5")) << m.status();
  EXPECT_TRUE(absl::StrContains(m.status().message(), "--profile-time-limit-s")) << m.status();
  EXPECT_TRUE(NoChildLeft());
}

TEST_F(ChildProfilerTest, FailsAModelPastItsMemoryLimitNamingTheLimit) {
  if (kShadowMemorySanitizer) GTEST_SKIP() << "no address-space limit under ASan or TSan";
  limits_.memory_limit_bytes = int64_t{1} << 20;  // less than loading any model takes
  absl::StatusOr<InstanceMeasurement> m =
      MeasureInChild(config_, dir_, 1, quick_, nullptr, limits_);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(absl::StrContains(m.status().message(), "1 MiB")) << m.status();
  EXPECT_TRUE(absl::StrContains(m.status().message(), "--profile-memory-limit-mb")) << m.status();
  EXPECT_TRUE(NoChildLeft());
}

TEST_F(ChildProfilerTest, ReportsACorruptModelFileAsTheEngineDoes) {
  const fs::path bad = backend::testing::NewScratchDir("child-profiler-corrupt");
  backend::testing::WriteBytes(bad / "lenet5.pt", "PK\x03\x04 this is not a TorchScript archive");
  absl::StatusOr<InstanceMeasurement> child =
      MeasureInChild(config_, bad, 1, quick_, nullptr, limits_);
  absl::StatusOr<InstanceMeasurement> here = MeasureInstance(config_, bad, 1, quick_, nullptr);
  ASSERT_FALSE(here.ok());
  EXPECT_EQ(child.status(), here.status());
  EXPECT_TRUE(NoChildLeft());
  fs::remove_all(bad);
}

TEST_F(ChildProfilerTest, AMissingBinaryIsNotFound) {
  limits_.binary = "/nonexistent/infaas-profiler";
  absl::StatusOr<InstanceMeasurement> m =
      MeasureInChild(config_, dir_, 1, quick_, nullptr, limits_);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound) << m.status();
}

TEST(ProfileJobTest, AMeasurementSurvivesTheRoundTrip) {
  InstanceMeasurement m;
  m.framework = v1::FRAMEWORK_ONNX;
  m.model_file = "m.onnx";
  m.cpu_threads = 2;
  m.load_latency_ms = 12.5;
  m.memory_bytes = 1 << 20;
  v1::BatchLatency b1;
  b1.set_batch_size(1);
  b1.set_median_ms(0.5);
  b1.set_p99_ms(0.9);
  b1.set_runs(10);
  m.latency = {b1};
  m.accuracy_percent = 91.5;
  m.validation_samples = 100;
  absl::StatusOr<InstanceMeasurement> back = MeasurementOf(ResultOf(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->framework, m.framework);
  EXPECT_EQ(back->model_file, m.model_file);
  EXPECT_EQ(back->memory_bytes, m.memory_bytes);
  ASSERT_EQ(back->latency.size(), 1u);
  EXPECT_DOUBLE_EQ(back->latency[0].p99_ms(), 0.9);
  EXPECT_DOUBLE_EQ(back->accuracy_percent, 91.5);

  const absl::Status error = absl::InvalidArgumentError("bad file");
  EXPECT_EQ(MeasurementOf(ResultOf(error)).status(), error);
}

}  // namespace
}  // namespace infaas::profiler
