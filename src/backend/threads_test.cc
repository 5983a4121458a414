// How per-instance thread counts are honoured inside one process. These
// tests observe thread counts and team sizes, never speed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <opencv2/core.hpp>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "backend/backend.h"
#include "backend/internal/opencv_threads.h"
#include "backend/internal/torch_threads.h"
#include "backend/testing/zoo.h"

namespace infaas::backend {
namespace {

using internal::OpenCvThreadsForThisThread;
using internal::ScopedOpenCvThreads;
using internal::TorchThreadsForThisThread;

std::unique_ptr<Model> LoadLenet(const char* file, int threads) {
  auto model = LoadModelFromConfigFile(testing::ZooDir() / "lenet5" / file,
                                       LoadOptions{.cpu_threads = threads});
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

TEST(TorchThreadsTest, RunGivesTheCallingThreadTheInstancesThreadCount) {
  std::unique_ptr<Model> one = LoadLenet("config.pbtxt", 1);
  std::unique_ptr<Model> two = LoadLenet("config.pbtxt", 2);
  ASSERT_TRUE(one && two);
  const Tensor batch = Tensor::Zeros({1, 1, 28, 28});
  ASSERT_TRUE(two->Run(batch).ok());
  EXPECT_EQ(TorchThreadsForThisThread(), 2);
  ASSERT_TRUE(one->Run(batch).ok());
  EXPECT_EQ(TorchThreadsForThisThread(), 1);
}

TEST(TorchThreadsTest, TwoThreadsRunningInstancesWithDifferentCountsKeepTheirOwn) {
  std::unique_ptr<Model> one = LoadLenet("config.pbtxt", 1);
  std::unique_ptr<Model> two = LoadLenet("config.pbtxt", 2);
  ASSERT_TRUE(one && two);
  std::atomic<int> wrong{0};
  auto serve = [&](Model& model, int expected) {
    const Tensor batch = Tensor::Zeros({8, 1, 28, 28});
    for (int i = 0; i < 50; ++i) {
      if (!model.Run(batch).ok() || TorchThreadsForThisThread() != expected) ++wrong;
    }
  };
  std::thread a(serve, std::ref(*one), 1);
  std::thread b(serve, std::ref(*two), 2);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Runs a parallel_for_ of `tasks` stripes and returns the distinct OS
// threads that ran them and the largest OpenMP team seen.
struct ParallelForTrace {
  size_t distinct_threads = 0;
  int largest_team = 0;
  bool all_on_caller = true;
};

ParallelForTrace TraceParallelFor(int tasks) {
  absl::Mutex mu;
  std::set<std::thread::id> ids;
  int largest_team = 0;
  const std::thread::id caller = std::this_thread::get_id();
  cv::parallel_for_(cv::Range(0, tasks), [&](const cv::Range& range) {
    // Enough work per stripe that a second team member gets some.
    volatile double sink = 0;
    for (int i = 0; i < 20000 * (range.end - range.start); ++i) sink = sink + i;
    absl::MutexLock lock(&mu);
    ids.insert(std::this_thread::get_id());
    largest_team = std::max(largest_team, omp_get_num_threads());
  });
  ParallelForTrace trace;
  trace.distinct_threads = ids.size();
  trace.largest_team = largest_team;
  trace.all_on_caller = ids.size() == 1 && *ids.begin() == caller;
  return trace;
}

TEST(OpenCvThreadsTest, AScopeSetsTheCallingThreadsCountForParallelFor) {
  internal::InstallPerThreadOpenCvParallelism();
  {
    const ScopedOpenCvThreads scope(2);
    EXPECT_EQ(cv::getNumThreads(), 2);
    const ParallelForTrace trace = TraceParallelFor(64);
    EXPECT_EQ(trace.largest_team, 2);
    EXPECT_LE(trace.distinct_threads, 2u);
  }
  {
    const ScopedOpenCvThreads scope(1);
    EXPECT_EQ(cv::getNumThreads(), 1);
    EXPECT_TRUE(TraceParallelFor(64).all_on_caller);
  }
}

TEST(OpenCvThreadsTest, AThreadWithoutAScopeRunsParallelForSerially) {
  internal::InstallPerThreadOpenCvParallelism();
  EXPECT_EQ(OpenCvThreadsForThisThread(), 1);
  EXPECT_TRUE(TraceParallelFor(64).all_on_caller);
}

TEST(OpenCvThreadsTest, RunRestoresTheCallingThreadsCountAfterwards) {
  std::unique_ptr<Model> two = LoadLenet("config_onnx.pbtxt", 2);
  ASSERT_TRUE(two);
  ASSERT_TRUE(two->Run(Tensor::Zeros({2, 1, 28, 28})).ok());
  EXPECT_EQ(OpenCvThreadsForThisThread(), 1);
}

}  // namespace
}  // namespace infaas::backend
