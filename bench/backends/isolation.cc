#include "isolation.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backend/backend.h"
#include "backend/internal/process_stats.h"

namespace infaas::bench {
namespace {

namespace fs = std::filesystem;

// CPU time in ns of every thread of this process, by thread id.
std::map<std::string, int64_t> ThreadCpuNanos() {
  std::map<std::string, int64_t> cpu;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream schedstat(task.path() / "schedstat");
    int64_t on_cpu_ns = 0;
    if (schedstat >> on_cpu_ns) cpu[task.path().filename().string()] = on_cpu_ns;
  }
  return cpu;
}

struct Busy {
  int threads = 0;
  double cpu_per_wall = 0;
};

// Runs every model in `models` in a loop on its own thread for `seconds`.
Busy MeasureTogether(const std::vector<backend::Model*>& models, double seconds) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (backend::Model* model : models) {
    threads.emplace_back([model, &stop] {
      std::vector<int64_t> shape = {model->options().max_batch_size};
      for (int64_t dim : model->config().input().dims()) shape.push_back(dim > 0 ? dim : 1);
      const backend::Tensor batch = backend::Tensor::Zeros(shape);
      while (!stop.load()) (void)model->Run(batch);
    });
  }
  absl::SleepFor(absl::Milliseconds(300));  // teams started, steady state
  const std::map<std::string, int64_t> before = ThreadCpuNanos();
  const absl::Duration cpu_before = backend::internal::ProcessCpuTime();
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const std::map<std::string, int64_t> after = ThreadCpuNanos();
  const double wall_s = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu_s = absl::ToDoubleSeconds(backend::internal::ProcessCpuTime() - cpu_before);
  stop = true;
  for (std::thread& thread : threads) thread.join();
  Busy busy;
  busy.cpu_per_wall = cpu_s / wall_s;
  for (const auto& [tid, ns] : after) {
    const auto it = before.find(tid);
    const int64_t delta = ns - (it == before.end() ? 0 : it->second);
    if (delta >= 0.1 * wall_s * 1e9) ++busy.threads;
  }
  return busy;
}

std::unique_ptr<backend::Model> LoadWithThreads(const fs::path& config, int threads) {
  auto model = backend::LoadModelFromConfigFile(
      config, backend::LoadOptions{.cpu_threads = threads, .max_batch_size = 8});
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str());
    return nullptr;
  }
  return *std::move(model);
}

void CheckEngine(const fs::path& config, const char* engine, double seconds) {
  // Each instance is loaded on the thread that will not run it, as a worker
  // would; Run sets the running thread's count.
  std::unique_ptr<backend::Model> one = LoadWithThreads(config, 1);
  std::unique_ptr<backend::Model> two = LoadWithThreads(config, 2);
  std::unique_ptr<backend::Model> other_one = LoadWithThreads(config, 1);
  if (!one || !two || !other_one) return;
  struct Scenario {
    const char* name;
    std::vector<backend::Model*> models;
    int expected;
  };
  const Scenario scenarios[] = {
      {"1-thread alone", {one.get()}, 1},
      {"2-thread alone", {two.get()}, 2},
      {"1-thread + 2-thread together", {one.get(), two.get()}, 3},
      {"1-thread + 1-thread together", {one.get(), other_one.get()}, 2},
  };
  for (const Scenario& scenario : scenarios) {
    const Busy busy = MeasureTogether(scenario.models, seconds);
    std::printf("isolation %-12s %-30s busy threads %d (expected %d)  cpu/wall %.2f\n", engine,
                scenario.name, busy.threads, scenario.expected, busy.cpu_per_wall);
    std::fflush(stdout);
  }
}

}  // namespace

void RunIsolationCheck(const fs::path& model_dir, double seconds) {
  std::printf("\nisolation check on %s, batch 8, %.1f s per scenario\n", model_dir.c_str(),
              seconds);
  CheckEngine(model_dir / "config.pbtxt", "torchscript", seconds);
  CheckEngine(model_dir / "config_onnx.pbtxt", "opencv-onnx", seconds);
}

}  // namespace infaas::bench
