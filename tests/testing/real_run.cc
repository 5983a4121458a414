#include "testing/real_run.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "loadgen/load_generator.h"
#include "store/metadata_store.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;

v1::QueryOnlineRequest Query(const RealRunOptions& options) {
  v1::QueryOnlineRequest request;
  request.set_architecture(options.model);
  request.set_latency_slo_ms(options.slo_ms);
  std::vector<fs::path> samples;
  for (const auto& e : fs::directory_iterator(TestCluster::SourceDir() / "models/zoo/samples")) {
    if (e.path().extension() == ".png") samples.push_back(e.path());
  }
  std::sort(samples.begin(), samples.end());
  for (int i = 0; i < options.images; ++i) {
    request.add_inputs()->set_encoded_image(ReadBytes(samples[i % samples.size()]));
  }
  return request;
}

// Samples workers and instances every 250 ms until `stop`.
void Sample(TestCluster* cluster, absl::Notification* stop, RealRun* out) {
  int64_t samples = 0, workers = 0, instances = 0, p99_samples = 0;
  double p99_sum = 0;
  while (!stop->WaitForNotificationWithTimeout(absl::Milliseconds(250))) {
    absl::StatusOr<v1::ClusterStatus> status = cluster->Status();
    if (!status.ok()) continue;
    ++samples;
    workers += status->workers_size();
    out->peak_workers = std::max(out->peak_workers, status->workers_size());
    double p99 = 0;
    for (const v1::WorkerStatus& w : status->workers()) {
      for (const v1::LoadedVariantStatus& v : w.variants()) {
        instances += v.instances();
        p99 = std::max(p99, v.p99_latency_ms());
      }
    }
    if (p99 > 0) {
      p99_sum += p99;
      ++p99_samples;
    }
  }
  if (p99_samples > 0) out->worker_p99_ms = p99_sum / static_cast<double>(p99_samples);
  if (samples > 0) {
    out->mean_workers = static_cast<double>(workers) / static_cast<double>(samples);
    out->mean_instances = static_cast<double>(instances) / static_cast<double>(samples);
  }
}

}  // namespace

absl::StatusOr<RealRun> RunOnRealCluster(const RealRunOptions& options) {
  std::cerr << "== " << options.policy << ": starting a cluster\n";
  ASSIGN_OR_RETURN(
      std::unique_ptr<TestCluster> cluster,
      TestCluster::Start({.workers = 1,
                          .zoo_models = {options.model},
                          .master_flags = {"--autoscaler", options.policy, "--max-workers",
                                           absl::StrCat(options.max_workers), "--worker-cores", "1",
                                           "--pin-workers", "--scale-time-scale",
                                           absl::StrCat(options.time_scale)},
                          .worker_cores = 1,
                          // One core is one core: the first worker on CPU 0, started ones on
                          // CPU 1, 2, ... (modulo the machine's).
                          .worker_cpus = "0"}));
  RealRun out;
  out.policy = options.policy;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<store::MetadataStore> store,
                     store::OpenMetadataStore(cluster->store_url()));
    ASSIGN_OR_RETURN(out.catalogue, store->ListVariants({}));
  }
  const v1::QueryOnlineRequest request = Query(options);
  // Warm up until queries are answered: every policy starts with the variant loaded.
  for (int attempt = 0; attempt < 10; ++attempt) {
    loadgen::LoadRecorder warm(absl::Seconds(1), 0);
    RETURN_IF_ERROR(loadgen::RunOpenLoopLoad(
        cluster->api(), request,
        {.arrivals = loadgen::PoissonArrivals({{5, absl::Seconds(1)}}, attempt + 100)}, &warm));
    out.warmup_s = attempt + 1;
    if (warm.Report().total.ok > 0) break;
  }
  std::cerr << "== " << options.policy << ": playing the schedule\n";
  absl::Notification stop;
  std::thread sampler([&] { Sample(cluster.get(), &stop, &out); });
  loadgen::LoadRecorder recorder(options.report_interval, options.slo_ms);
  const absl::Status run = loadgen::RunOpenLoopLoad(
      cluster->api(), request,
      {.arrivals = loadgen::PoissonArrivals(options.schedule, options.seed),
       .timeout = absl::Seconds(30)},
      &recorder);
  stop.Notify();
  sampler.join();
  RETURN_IF_ERROR(run);
  for (const auto& log : fs::directory_iterator(cluster->dir() / "logs")) {
    std::ifstream in(log.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("variant loaded") != std::string::npos) out.loads.push_back(line);
    }
  }
  out.report = recorder.Report();
  out.failed = out.report.total.sent - out.report.total.ok;
  std::cerr << loadgen::FormatReportText(out.report);
  return out;
}

}  // namespace infaas::testing
