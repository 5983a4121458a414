// bench/serving: what the serving path adds on top of the backend.
//
// In one run, for a small and a large zoo model:
//   in-process   decode + Model::Run in this process (batch 1), the floor;
//   end to end   gRPC client -> infaas-master -> infaas-worker -> reply,
//                at concurrency 1 and at saturation (many queries in flight).
// Prints p50/p99 latency, the added latency over in-process, and throughput
// as a fraction of in-process throughput at the variant's max batch; the
// saturated figure also from a second cluster whose master sends each query
// in its own call (--calls-per-instance=0), for the coalescing's effect.
// Each path's latency distribution goes to --plot-dir as CSV and as one CDF
// plot per model (bench/plots).
//
//   build/bin/infaas_bench_serving [--seconds 5] [--concurrency 32]
//       [--plot-dir bench-plots/serving]

#include <grpcpp/create_channel.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "backend/backend.h"
#include "backend/preprocess.h"
#include "common/latency_histogram.h"
#include "common/status_macros.h"
#include "load_driver.h"
#include "loadgen/load_report.h"
#include "plots.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;
namespace fs = std::filesystem;

using Figures = bench::LoadFigures;

Figures InProcess(const std::string& arch, const std::string& image, int batch, absl::Duration d) {
  const fs::path config = testing::TestCluster::SourceDir() / "models/zoo" / arch / "config.pbtxt";
  auto model = backend::LoadModelFromConfigFile(config, {.cpu_threads = 1, .max_batch_size = 8});
  if (!model.ok()) {
    std::cerr << model.status() << "\n";
    std::exit(1);
  }
  return bench::DriveLoad(1, d, batch, [&] {
    std::vector<backend::Tensor> examples;
    for (int i = 0; i < batch; ++i)
      examples.push_back(*backend::DecodeImageInput(image, (*model)->config(), i));
    return (*model)->Run(*backend::StackExamples(examples)).ok();
  });
}

// Where one query's time goes, from the answers: the master's own
// measurement (arrival to reply) and the worker's queue and compute times.
struct Breakdown {
  absl::Mutex mu;
  std::vector<double> master_ms, worker_ms;
  int64_t answers = 0, batched = 0;  // the batch sizes the answers ran in, summed
  void Add(const v1::QueryOnlineResponse& r) {
    absl::MutexLock lock(&mu);
    master_ms.push_back(r.measured_latency_ms());
    worker_ms.push_back(r.queue_time_ms() + r.compute_time_ms());
    ++answers;
    batched += r.batch_size();
  }
  double MeanBatch() {
    absl::MutexLock lock(&mu);
    return answers == 0 ? 0 : static_cast<double>(batched) / static_cast<double>(answers);
  }
};

Figures EndToEnd(v1::Infaas::Stub* api, const std::string& variant, const std::string& image,
                 int concurrency, absl::Duration d, Breakdown* breakdown = nullptr) {
  v1::QueryOnlineRequest request;
  request.set_variant(variant);
  request.add_inputs()->set_encoded_image(image);
  return bench::DriveLoad(concurrency, d, 1, [&] {
    grpc::ClientContext context;
    v1::QueryOnlineResponse response;
    if (!api->QueryOnline(&context, request, &response).ok()) return false;
    if (breakdown != nullptr) breakdown->Add(response);
    return true;
  });
}

// Each path's latency distribution as CSV, and one CDF plot of them.
absl::Status WritePlots(const std::string& dir, const std::string& arch,
                        const std::vector<std::pair<std::string, const Figures*>>& paths) {
  std::vector<bench::PlotSeries> series;
  for (const auto& [label, figures] : paths) {
    ASSIGN_OR_RETURN(
        fs::path csv,
        bench::WriteCsv(dir, absl::StrCat(arch, "-", label, "-latency.csv"),
                        loadgen::FormatLatencyCdfCsv(loadgen::LatencyCdfOf(figures->samples_ms))));
    series.push_back({label, csv});
  }
  return bench::Plot("latency_cdf.gp", absl::StrCat("bench/serving: ", arch, ", latency per path"),
                     series, fs::path(dir) / absl::StrCat("serving-", arch, "-latency-cdf.svg"));
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::string plot_dir = "bench-plots/serving";
  int concurrency = 32;
  std::vector<std::string> master_flags;
  CLI::App app("Serving overhead: in-process backend vs gRPC client -> master -> worker.");
  app.add_option("--seconds", seconds, "Measuring time per figure")->capture_default_str();
  app.add_option("--concurrency", concurrency, "Queries in flight at saturation")
      ->capture_default_str();
  app.add_option("--master-flag", master_flags,
                 "A flag for the master, e.g. --master-flag=--calls-per-instance=0 (repeatable)");
  app.add_option("--plot-dir", plot_dir, "where the CSV series and SVG plots go")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const absl::Duration d = absl::Seconds(seconds);
  absl::Status plotted = absl::OkStatus();

  auto cluster = testing::TestCluster::Start(
      {.workers = 1, .zoo_models = {"lenet5", "resnet_mini"}, .master_flags = master_flags});
  // The same without coalescing, idle while the other serves: the busy
  // figure again, each query its own worker call, in this run.
  std::vector<std::string> uncoalesced_flags = master_flags;
  uncoalesced_flags.push_back("--calls-per-instance=0");
  auto uncoalesced = testing::TestCluster::Start(
      {.workers = 1, .zoo_models = {"lenet5", "resnet_mini"}, .master_flags = uncoalesced_flags});
  if (!cluster.ok() || !uncoalesced.ok()) {
    std::cerr << "cannot start the clusters: "
              << (cluster.ok() ? uncoalesced.status() : cluster.status()) << "\n";
    return 1;
  }
  const std::string image = testing::ReadBytes(testing::TestCluster::SourceDir() /
                                               "models/zoo/samples/ankle_boot_0000.png");
  absl::PrintF("%-12s %-22s %9s %9s %11s %12s %10s\n", "model", "path", "p50 ms", "p99 ms",
               "added p50", "items/s", "vs in-proc");
  std::map<std::string, std::pair<double, double>> goals;  // arch -> added p50, busy share
  for (const std::string arch : {"lenet5", "resnet_mini"}) {
    const std::string variant = arch + "_torchscript_cpu1_b8";
    EndToEnd((*cluster)->api(), variant, image, 1, absl::Seconds(1));  // load + warm up
    EndToEnd((*uncoalesced)->api(), variant, image, 1, absl::Seconds(1));
    const Figures floor = InProcess(arch, image, 1, d);
    const Figures floor_batched = InProcess(arch, image, 8, d);
    Breakdown parts;
    const Figures one = EndToEnd((*cluster)->api(), variant, image, 1, d, &parts);
    Breakdown busy_parts;
    const Figures busy = EndToEnd((*cluster)->api(), variant, image, concurrency, d, &busy_parts);
    Breakdown alone_parts;
    const Figures alone =
        EndToEnd((*uncoalesced)->api(), variant, image, concurrency, d, &alone_parts);
    auto row = [&](const char* path, const Figures& f, const Figures& base) {
      absl::PrintF("%-12s %-22s %9.3f %9.3f %11.3f %12.0f %9.0f%%\n", arch, path, f.p50_ms,
                   f.p99_ms, f.p50_ms - floor.p50_ms, f.per_second,
                   100.0 * f.per_second / base.per_second);
    };
    row("in-process b1", floor, floor);
    row("in-process b8", floor_batched, floor_batched);
    row("e2e c1", one, floor);
    row(absl::StrFormat("e2e c%d", concurrency).c_str(), busy, floor_batched);
    row(absl::StrFormat("e2e c%d, 1 call each", concurrency).c_str(), alone, floor_batched);
    const double master = PercentileOf(parts.master_ms, 50),
                 worker = PercentileOf(parts.worker_ms, 50);
    absl::PrintF(
        "%-12s c1 p50 split: client<->master %.3f ms, master<->worker %.3f ms, "
        "worker queue+compute %.3f ms (in-process decode+run %.3f ms)\n",
        arch, one.p50_ms - master, master - worker, worker, floor.p50_ms);
    absl::PrintF(
        "%-12s c%d: a query ran in a batch of %.1f on average (%.1f with a call per query)\n", arch,
        concurrency, busy_parts.MeanBatch(), alone_parts.MeanBatch());
    goals[arch] = {one.p50_ms - floor.p50_ms, 100 * busy.per_second / floor_batched.per_second};
    plotted.Update(WritePlots(plot_dir, arch,
                              {{"in-process_b1", &floor},
                               {"e2e_c1", &one},
                               {absl::StrCat("e2e_c", concurrency), &busy},
                               {absl::StrCat("e2e_c", concurrency, "_call_each"), &alone}}));
  }
  auto verdict = [](bool met) { return met ? "met" : "NOT MET"; };
  absl::PrintF("\ngoals (issue 15):\n");
  absl::PrintF("  lenet5 added p50 at concurrency 1         %6.3f ms (goal <= 0.25 ms)  %s\n",
               goals["lenet5"].first, verdict(goals["lenet5"].first <= 0.25));
  absl::PrintF("  lenet5 throughput at c%-3d vs in-process b8 %5.0f%%    (goal >= 75%%)     %s\n",
               concurrency, goals["lenet5"].second, verdict(goals["lenet5"].second >= 75));
  absl::PrintF("  resnet_mini throughput at c%-3d            %5.0f%%    (goal >= 94%%)     %s\n",
               concurrency, goals["resnet_mini"].second,
               verdict(goals["resnet_mini"].second >= 94));
  bench::ReportPlots(plot_dir, plotted);
  return 0;
}
