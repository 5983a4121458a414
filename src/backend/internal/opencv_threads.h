#pragma once

// Per-thread thread counts for OpenCV's parallel_for_, which OpenCV DNN
// layers use for all their parallel work.
//
// cv::setNumThreads is process-wide (Debian's OpenCV 4.6 runs parallel_for_
// on one global TBB arena), so it cannot give a 1-thread and a 2-thread
// instance their own counts. InstallPerThreadOpenCvParallelism() replaces
// OpenCV's parallel_for_ backend (cv::parallel::setParallelForBackend) with
// one whose team size is a property of the *calling* thread: a
// ScopedOpenCvThreads(n) in that thread makes its parallel_for_ calls (and
// cv::getNumThreads(), which DNN layers consult to split work) use n
// threads, on an OpenMP team owned by that thread. Threads without a scope
// run parallel_for_ serially.
//
// One limit stays process-wide: OpenCV itself runs a parallel_for_ serially
// when another thread is inside one (a global "nested" flag in OpenCV), so
// when two instances run at once one of them may get fewer than n threads,
// never more. Counts are therefore upper bounds that are reached when an
// instance runs alone.

namespace infaas::backend::internal {

// Installs the per-thread backend once per process; later calls do nothing.
// OpenCV documents the replacement as not thread-safe with other OpenCV
// work, so call it before serving (OpenCvDnnBackend::Create does).
void InstallPerThreadOpenCvParallelism();

// Sets the calling thread's OpenCV thread count for the scope's lifetime.
// Not copyable; use from one thread.
class ScopedOpenCvThreads {
 public:
  explicit ScopedOpenCvThreads(int threads);
  ~ScopedOpenCvThreads();
  ScopedOpenCvThreads(const ScopedOpenCvThreads&) = delete;
  ScopedOpenCvThreads& operator=(const ScopedOpenCvThreads&) = delete;

 private:
  const int previous_;
};

// The calling thread's OpenCV thread count (1 outside any scope).
int OpenCvThreadsForThisThread();

}  // namespace infaas::backend::internal
