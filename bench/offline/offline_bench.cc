// bench/offline: does an offline job hurt online latency, and how much of
// the spare capacity does it use?
//
// One cluster (master + workers as child processes) serves online queries
// at a fixed rate (open loop) throughout. The run alternates, --cycles
// times, a slice without and a slice with a large offline job running (a
// fresh job each cycle, cancelled at the slice's end), so that load from
// anything else on the machine falls on both sides alike; then the job
// runs alone for one slice. Prints online p50/p99 latency over all slices
// of each kind, the job's throughput beside the online load and alone, and
// the ratio of online p99 with the job to without (goal: <= 1.10).
//
// The online latency distributions without and with the job go to
// --plot-dir as CSV and as one CDF plot (bench/plots).
//
//   build/bin/infaas_bench_offline [--cycles 5] [--seconds 6] [--rate 100] [--images 20000]
//       [--plot-dir bench-plots/offline]

#include <grpcpp/client_context.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/latency_histogram.h"
#include "loadgen/load_report.h"
#include "plots.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;
namespace fs = std::filesystem;

struct OnlineSlice {
  std::vector<double> latencies_ms;  // answered queries
  int sent = 0;
};

// Sends one query every 1/rate seconds for `duration`, each as an
// asynchronous call so that a slow answer does not delay the next send.
OnlineSlice DriveOnline(v1::Infaas::Stub* api, const v1::QueryOnlineRequest& request, double rate,
                        absl::Duration duration) {
  struct Call {
    grpc::ClientContext context;
    v1::QueryOnlineResponse response;
    absl::Time sent;
  };
  absl::Mutex mu;
  OnlineSlice slice;
  int answered = 0;
  const absl::Duration gap = absl::Seconds(1.0 / rate);
  const absl::Time start = absl::Now();
  for (absl::Time next = start; next < start + duration; next += gap) {
    absl::SleepFor(next - absl::Now());
    auto call = std::make_shared<Call>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->sent = absl::Now();
    {
      absl::MutexLock lock(&mu);
      ++slice.sent;
    }
    api->async()->QueryOnline(&call->context, &request, &call->response, [&, call](grpc::Status s) {
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - call->sent);
      absl::MutexLock lock(&mu);
      ++answered;
      if (s.ok()) slice.latencies_ms.push_back(ms);
    });
  }
  absl::MutexLock lock(&mu);
  auto all_answered = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return answered == slice.sent; };
  mu.Await(absl::Condition(&all_answered));
  return slice;
}

// Slices of one kind, pooled.
struct Pooled {
  std::vector<double> latencies_ms;
  int sent = 0;
  void Add(const OnlineSlice& s) {
    latencies_ms.insert(latencies_ms.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    sent += s.sent;
  }
  double P(double p) const { return PercentileOf(latencies_ms, p); }
};

void FillFolder(const fs::path& folder, int images) {
  fs::create_directories(folder);
  const std::vector<fs::path> samples = testing::SampleImages();
  for (int i = 0; i < images; ++i) {
    const fs::path& sample = samples[i % samples.size()];
    fs::create_hard_link(sample,
                         folder / absl::StrFormat("%s_%06d.png", sample.stem().string(), i));
  }
}

absl::StatusOr<v1::OfflineJob> GetJob(v1::Infaas::Stub* api, const std::string& id) {
  grpc::ClientContext context;
  v1::GetOfflineJobRequest request;
  request.set_job_id(id);
  v1::OfflineJob job;
  grpc::Status s = api->GetOfflineJob(&context, request, &job);
  if (!s.ok()) return absl::InternalError(s.error_message());
  return job;
}

int64_t Finished(const v1::OfflineJob& job) { return job.items_done() + job.items_failed(); }

// Submits a job over `in` into the new folder `out` and waits until it
// has finished `warm` inputs (variant loaded, pace reached).
absl::StatusOr<std::string> StartJob(v1::Infaas::Stub* api, const fs::path& in, const fs::path& out,
                                     const std::string& arch, int64_t warm) {
  v1::SubmitOfflineJobRequest submit;
  submit.set_input_url(in.string());
  submit.set_output_url(out.string());
  submit.mutable_requirements()->set_architecture(arch);
  v1::SubmitOfflineJobResponse submitted;
  grpc::ClientContext context;
  grpc::Status s = api->SubmitOfflineJob(&context, submit, &submitted);
  if (!s.ok()) return absl::InternalError(absl::StrCat("submit: ", s.error_message()));
  const absl::Time give_up = absl::Now() + absl::Minutes(5);
  while (absl::Now() < give_up) {
    absl::StatusOr<v1::OfflineJob> job = GetJob(api, submitted.job_id());
    if (!job.ok()) return job.status();
    if (Finished(*job) >= warm) return submitted.job_id();
    if (job->state() != v1::OfflineJob::STATE_QUEUED &&
        job->state() != v1::OfflineJob::STATE_RUNNING) {
      return absl::InternalError("the job ended early: " + job->ShortDebugString());
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("the job made no progress for 5 minutes");
}

void CancelJob(v1::Infaas::Stub* api, const std::string& id) {
  grpc::ClientContext context;
  v1::GetOfflineJobRequest request;
  request.set_job_id(id);
  v1::OfflineJob cancelled;
  (void)api->CancelOfflineJob(&context, request, &cancelled);
}

// Inputs the job finished while `slice` ran (on this thread), and whether
// it was still running at the end.
template <typename Slice>
int64_t ItemsDuring(v1::Infaas::Stub* api, const std::string& id, Slice slice, bool* ran_out) {
  const absl::StatusOr<v1::OfflineJob> before = GetJob(api, id);
  slice();
  const absl::StatusOr<v1::OfflineJob> after = GetJob(api, id);
  if (!before.ok() || !after.ok()) return 0;
  *ran_out = *ran_out || after->state() != v1::OfflineJob::STATE_RUNNING;
  return Finished(*after) - Finished(*before);
}

int Fail(const std::string& what) {
  std::cerr << "infaas_bench_offline: " << what << "\n";
  return 1;
}

// The online latency without and with the job, as CSV and one CDF plot.
absl::Status WritePlots(const std::string& dir, const Pooled& without_job, const Pooled& with_job,
                        double rate) {
  std::vector<bench::PlotSeries> series;
  for (const auto& [label, pooled] :
       {std::pair<std::string, const Pooled*>("online_alone", &without_job),
        std::pair<std::string, const Pooled*>("online_beside_the_job", &with_job)}) {
    absl::StatusOr<fs::path> csv =
        bench::WriteCsv(dir, label + "-latency.csv",
                        loadgen::FormatLatencyCdfCsv(loadgen::LatencyCdfOf(pooled->latencies_ms)));
    if (!csv.ok()) return csv.status();
    series.push_back({label, *csv});
  }
  return bench::Plot("latency_cdf.gp",
                     absl::StrFormat("bench/offline: online latency at %.0f queries/s", rate),
                     series, fs::path(dir) / "offline-online-latency-cdf.svg");
}

}  // namespace

int main(int argc, char** argv) {
  int cycles = 5;
  std::string plot_dir = "bench-plots/offline";
  double seconds = 6;
  double rate = 100;
  int images = 20000;
  int workers = 2;
  std::string online_variant = "lenet5_torchscript_cpu1_b8";
  std::string offline_arch = "vgg_mini";
  CLI::App app("Online latency with and without an offline job; the job's throughput.");
  app.add_option("--cycles", cycles, "Slices without and with the job")->capture_default_str();
  app.add_option("--seconds", seconds, "Length of each slice")->capture_default_str();
  app.add_option("--rate", rate, "Online queries per second (open loop)")->capture_default_str();
  app.add_option("--images", images, "Inputs of the offline job")->capture_default_str();
  app.add_option("--workers", workers, "Workers in the cluster")->capture_default_str();
  app.add_option("--online-variant", online_variant, "Variant the online queries name")
      ->capture_default_str();
  app.add_option("--offline-arch", offline_arch, "Architecture the job runs")
      ->capture_default_str();
  app.add_option("--plot-dir", plot_dir, "where the CSV series and SVG plots go")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const absl::Duration slice = absl::Seconds(seconds);

  auto cluster =
      testing::TestCluster::Start({.workers = workers, .zoo_models = {"lenet5", "vgg_mini"}});
  if (!cluster.ok())
    return Fail(absl::StrCat("cannot start the cluster: ", cluster.status().ToString()));
  v1::Infaas::Stub* api = (*cluster)->api();
  const fs::path dir = (*cluster)->dir();

  v1::QueryOnlineRequest query;
  query.set_variant(online_variant);
  query.add_inputs()->set_encoded_image(testing::ReadBytes(
      testing::TestCluster::SourceDir() / "models/zoo/samples/ankle_boot_0000.png"));
  std::cerr << "cluster up; warming up the online variant\n";
  DriveOnline(api, query, rate, absl::Seconds(2));
  FillFolder(dir / "bench-in", images);

  Pooled without_job, with_job;
  int64_t items_beside_online = 0;
  bool ran_out = false;
  for (int c = 0; c < cycles; ++c) {
    std::cerr << "cycle " << c + 1 << "/" << cycles << "\n";
    const OnlineSlice without = DriveOnline(api, query, rate, slice);
    without_job.Add(without);
    // The job's start (listing, loading, first chunks) counts as "with".
    std::optional<OnlineSlice> during_start;
    absl::StatusOr<std::string> id;
    {
      std::thread online([&] { during_start = DriveOnline(api, query, rate, absl::Seconds(1)); });
      id = StartJob(api, dir / "bench-in", dir / absl::StrCat("bench-out-", c), offline_arch, 100);
      online.join();
    }
    if (!id.ok()) return Fail(std::string(id.status().message()));
    with_job.Add(*during_start);
    OnlineSlice with;
    items_beside_online += ItemsDuring(
        api, *id, [&] { with = DriveOnline(api, query, rate, slice); }, &ran_out);
    with_job.Add(with);
    CancelJob(api, *id);
    absl::FPrintF(stderr, "  p99 without %.3f ms, with %.3f ms\n",
                  PercentileOf(without.latencies_ms, 99), PercentileOf(with.latencies_ms, 99));
  }
  std::cerr << "the job alone\n";
  absl::StatusOr<std::string> id =
      StartJob(api, dir / "bench-in", dir / "bench-out-alone", offline_arch, 100);
  if (!id.ok()) return Fail(std::string(id.status().message()));
  const int64_t items_alone = ItemsDuring(
      api, *id, [&] { absl::SleepFor(slice); }, &ran_out);
  CancelJob(api, *id);

  const double beside_rate = items_beside_online / (cycles * seconds);
  const double alone_rate = items_alone / seconds;
  absl::PrintF("online: %s at %.0f queries/s (open loop); offline: %s over %d images; %d workers\n",
               online_variant, rate, offline_arch, images, workers);
  absl::PrintF("%d cycles of %.0f s without and %.0f s with the job, then %.0f s job alone\n\n",
               cycles, seconds, seconds, seconds);
  absl::PrintF("%-22s %12s %12s %8s %8s %16s\n", "", "online p50", "online p99", "sent", "answered",
               "offline items/s");
  auto row = [](const char* name, const Pooled& p, const std::string& offline) {
    absl::PrintF("%-22s %9.3f ms %9.3f ms %8d %8d %16s\n", name, p.P(50), p.P(99), p.sent,
                 static_cast<int>(p.latencies_ms.size()), offline);
  };
  row("online alone", without_job, "-");
  row("online + offline job", with_job, absl::StrFormat("%.0f", beside_rate));
  absl::PrintF("%-22s %12s %12s %8s %8s %16.0f\n", "offline job alone", "-", "-", "-", "-",
               alone_rate);
  absl::PrintF("\nonline p90 / p99.9 without the job: %.3f / %.3f ms; with: %.3f / %.3f ms",
               without_job.P(90), without_job.P(99.9), with_job.P(90), with_job.P(99.9));
  absl::PrintF("\nonline p99 with the job / without: %.3f (goal <= 1.10); p50: %.3f\n",
               with_job.P(99) / without_job.P(99), with_job.P(50) / without_job.P(50));
  absl::PrintF("beside the online load the job ran at %.0f%% of its rate alone\n",
               alone_rate > 0 ? 100.0 * beside_rate / alone_rate : 0.0);
  if (ran_out) absl::PrintF("warning: a job ended during a slice; raise --images\n");
  bench::ReportPlots(plot_dir, WritePlots(plot_dir, without_job, with_job, rate));
  return 0;
}
