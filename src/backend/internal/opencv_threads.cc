#include "backend/internal/opencv_threads.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/core/parallel/parallel_backend.hpp>
#include <thread>

namespace infaas::backend::internal {
namespace {

thread_local int t_opencv_threads = 1;

// parallel_for_ on an OpenMP team of the calling thread's count. libgomp
// keeps one pool of team threads per calling thread, so concurrent callers
// do not share (or resize) each other's teams.
class PerThreadParallelFor final : public cv::parallel::ParallelForAPI {
 public:
  void parallel_for(int tasks, FN_parallel_for_body_cb_t body, void* data) override {
    const int threads = std::min(tasks, t_opencv_threads);
    if (threads <= 1 || omp_in_parallel()) {
      body(0, tasks, data);
      return;
    }
    std::atomic<int> next_task{0};
#pragma omp parallel num_threads(threads)
    {
      // Tasks are OpenCV's stripes; hand them out one at a time so a slow
      // thread does not hold up the others.
      for (int task = next_task++; task < tasks; task = next_task++) body(task, task + 1, data);
    }
  }

  int getThreadNum() const override { return omp_in_parallel() ? omp_get_thread_num() : 0; }

  // DNN layers size their stripes with cv::getNumThreads(), which lands here.
  int getNumThreads() const override { return t_opencv_threads; }

  // cv::setNumThreads() lands here; the count is per thread, so it is
  // ignored (a ScopedOpenCvThreads sets it).
  int setNumThreads(int /*threads*/) override { return t_opencv_threads; }

  const char* getName() const override { return "infaas-per-thread-openmp"; }
};

}  // namespace

void InstallPerThreadOpenCvParallelism() {
  static std::once_flag once;
  std::call_once(once, [] {
    cv::parallel::setParallelForBackend(std::make_shared<PerThreadParallelFor>(),
                                        /*propagateNumThreads=*/false);
    // OpenCV skips its backend entirely while its own global count is 1 (the
    // default on a one-core machine), so raise it; the per-thread count is
    // what limits each call.
    cv::setNumThreads(std::max(2, static_cast<int>(std::thread::hardware_concurrency())));
  });
}

ScopedOpenCvThreads::ScopedOpenCvThreads(int threads) : previous_(t_opencv_threads) {
  t_opencv_threads = std::max(1, threads);
}

ScopedOpenCvThreads::~ScopedOpenCvThreads() { t_opencv_threads = previous_; }

int OpenCvThreadsForThisThread() { return t_opencv_threads; }

}  // namespace infaas::backend::internal
