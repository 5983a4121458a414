// bench/faults: what each fault costs the queries under way.
//
// One single-machine INFaaS on Redis (AOF) with two workers, queried open
// loop (Poisson) for two architectures at once (lenet5 and linear, one
// image each, within a loose SLO). Each scenario runs the load for
// --seconds, injects its fault at --fault-at, and counts every query sent:
//   answered  OK;
//   refused   RESOURCE_EXHAUSTED (admission control: told at once);
//   failed    any other error, each before its deadline;
//   lost      never answered, not even by the deadline (must be 0).
// Scenarios:
//   kill a worker      SIGKILL one of the two workers (restarted after);
//   kill the master    SIGKILL the master and start it on the same store:
//                      queries meanwhile fail at once (UNAVAILABLE), and the
//                      time until both workers have rejoined is printed;
//   stop Redis 5 s     the master answers from its snapshot; then Redis
//                      comes back with its data (AOF).
//   full disk         an offline job (lenet5, 240 images) writes into a
//                      64 KiB tmpfs: it pauses; 3 s later the disk grows and
//                      the job must finish with every input done, none
//                      failed. Needs CAP_SYS_ADMIN for the mount (skipped,
//                      and said so, without it).
//
//   build/bin/infaas_bench_faults [--qps 150] [--seconds 15] [--fault-at 5]

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"
#include "testing/small_disk.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;

struct Flags {
  double qps = 150;  // per architecture
  double seconds = 15;
  double fault_at = 5;
  double slo_ms = 1000;
  uint64_t seed = 5;
};

struct Tally {
  int64_t sent = 0, answered = 0, refused = 0, failed = 0, lost = 0;
  std::map<std::string, int64_t> errors;
  void Add(const loadgen::LoadReport& report) {
    sent += report.total.sent;
    answered += report.total.ok;
    refused += report.total.refused;
    lost += report.unanswered;
    for (const auto& [code, n] : report.total.errors) {
      if (code != "RESOURCE_EXHAUSTED") failed += n;
      errors[code] += n;
    }
  }
};

v1::QueryOnlineRequest Query(const std::string& architecture, double slo_ms) {
  v1::QueryOnlineRequest request;
  request.set_architecture(architecture);
  request.set_latency_slo_ms(slo_ms);
  request.add_inputs()->set_encoded_image(testing::ReadBytes(testing::SampleImages().front()));
  return request;
}

// Runs the load on both architectures while `fault` runs at --fault-at.
absl::StatusOr<Tally> Scenario(testing::TestCluster& cluster, const Flags& flags, uint64_t seed,
                               const std::function<void()>& fault) {
  const absl::Duration length = absl::Seconds(flags.seconds);
  std::vector<std::unique_ptr<loadgen::LoadRecorder>> recorders;
  std::vector<absl::Status> results(2);
  std::vector<std::thread> loads;
  const std::vector<std::string> architectures = {"lenet5", "linear"};
  for (size_t i = 0; i < architectures.size(); ++i) {
    recorders.push_back(std::make_unique<loadgen::LoadRecorder>(absl::Seconds(1), flags.slo_ms));
    loads.emplace_back([&, i] {
      results[i] = loadgen::RunOpenLoopLoad(
          cluster.api(), Query(architectures[i], flags.slo_ms),
          {.arrivals = loadgen::PoissonArrivals({{flags.qps, length}}, seed + i),
           .timeout = absl::Seconds(5),
           .drain = absl::Seconds(6)},
          recorders[i].get());
    });
  }
  absl::SleepFor(absl::Seconds(flags.fault_at));
  fault();
  for (std::thread& t : loads) t.join();
  Tally tally;
  for (size_t i = 0; i < results.size(); ++i) {
    RETURN_IF_ERROR(results[i]);
    tally.Add(recorders[i]->Report());
  }
  return tally;
}

void PrintRow(const std::string& name, const Tally& t, const std::string& note) {
  std::string codes;
  for (const auto& [code, n] : t.errors) codes += absl::StrFormat(" %s=%d", code, n);
  std::cout << absl::StrFormat("| %-16s | %6d | %8d | %7d | %6d | %4d | %s%s |\n", name, t.sent,
                               t.answered, t.refused, t.failed, t.lost, note,
                               codes.empty() ? "" : absl::StrCat(";", codes));
}

absl::StatusOr<v1::OfflineJob> GetJob(testing::TestCluster& cluster, const std::string& id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::GetOfflineJobRequest request;
  request.set_job_id(id);
  v1::OfflineJob job;
  grpc::Status s = cluster.api()->GetOfflineJob(&context, request, &job);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return job;
}

// Polls the job until `until(job)` or `timeout`; the last record.
template <typename Pred>
absl::StatusOr<v1::OfflineJob> AwaitJob(testing::TestCluster& cluster, const std::string& id,
                                        Pred until, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  absl::StatusOr<v1::OfflineJob> job = GetJob(cluster, id);
  while (absl::Now() < give_up && !(job.ok() && until(*job))) {
    absl::SleepFor(absl::Milliseconds(50));
    job = GetJob(cluster, id);
  }
  return job;
}

// The full-disk fault: an offline job into a tmpfs too small for it, which
// grows 3 s after the job paused. Returns the note; `lost` gets the inputs
// neither done nor failed.
std::string FullDiskUnderAJob(testing::TestCluster& cluster, int64_t* lost) {
  const std::filesystem::path in = cluster.dir() / "faults-job-in";
  std::filesystem::create_directories(in);
  constexpr int kImages = 240;
  const std::vector<std::filesystem::path> samples = testing::SampleImages();
  for (int i = 0; i < kImages; ++i) {
    std::filesystem::copy_file(samples[i % samples.size()],
                               in / absl::StrFormat("image_%04d.png", i),
                               std::filesystem::copy_options::overwrite_existing);
  }
  absl::StatusOr<std::unique_ptr<testing::SmallDisk>> disk =
      testing::SmallDisk::Mount(cluster.dir() / "faults-disk", 64 << 10);
  if (!disk.ok()) return absl::StrCat("skipped: ", disk.status().message());
  v1::SubmitOfflineJobRequest request;
  request.set_input_url(in.string());
  request.set_output_url(((*disk)->folder() / "results").string());
  request.mutable_requirements()->set_architecture("lenet5");
  grpc::ClientContext context;
  v1::SubmitOfflineJobResponse submitted;
  if (grpc::Status s = cluster.api()->SubmitOfflineJob(&context, request, &submitted); !s.ok()) {
    return absl::StrCat("job not submitted: ", s.error_message());
  }
  const std::string& id = submitted.job_id();
  absl::StatusOr<v1::OfflineJob> paused = AwaitJob(
      cluster, id, [](const v1::OfflineJob& j) { return !j.paused_reason().empty(); },
      absl::Seconds(30));
  if (!paused.ok() || paused->paused_reason().empty()) return "the job never paused";
  const absl::Time paused_at = absl::Now();
  absl::SleepFor(absl::Seconds(3));
  if (absl::Status s = (*disk)->Resize(16 << 20); !s.ok()) return std::string(s.message());
  absl::StatusOr<v1::OfflineJob> ended = AwaitJob(
      cluster, id, [](const v1::OfflineJob& j) { return j.finished_at_unix_ms() > 0; },
      absl::Seconds(60));
  if (!ended.ok()) return std::string(ended.status().message());
  *lost = ended->items_total() - ended->items_done() - ended->items_failed();
  return absl::StrFormat("job paused %.1f s at %d/%d; then %s: %d done, %d failed, %d lost",
                         absl::ToDoubleSeconds(absl::Now() - paused_at), paused->items_done(),
                         ended->items_total(), v1::OfflineJob::State_Name(ended->state()),
                         ended->items_done(), ended->items_failed(), *lost);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("bench/faults: queries sent, answered, refused, failed and lost under each fault");
  app.add_option("--qps", flags.qps, "queries per second per architecture")->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of each scenario")->capture_default_str();
  app.add_option("--fault-at", flags.fault_at, "seconds into a scenario the fault comes")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::cerr << "starting a cluster on Redis with two workers\n";
  absl::StatusOr<std::unique_ptr<testing::TestCluster>> cluster =
      testing::TestCluster::Start({.workers = 2,
                                   .redis = true,
                                   .zoo_models = {"lenet5", "linear"},
                                   .master_flags = {"--autoscaler", "static"}});
  if (!cluster.ok()) {
    std::cerr << cluster.status() << "\n";
    return 1;
  }
  testing::TestCluster& c = **cluster;
  std::cout << absl::StrFormat(
      "faults: lenet5 and linear, %.0f q/s each (open loop), SLO %.0f ms, 5 s deadline; "
      "fault at %.0f s of %.0f s\n",
      flags.qps, flags.slo_ms, flags.fault_at, flags.seconds);
  std::cout << "| fault            |   sent | answered | refused | failed | lost | notes |\n"
               "|---|---|---|---|---|---|---|\n";
  uint64_t seed = flags.seed;
  auto run = [&](const std::string& name, const std::function<std::string()>& fault) {
    std::string note;
    absl::StatusOr<Tally> tally = Scenario(c, flags, seed += 10, [&] { note = fault(); });
    if (!tally.ok()) {
      std::cerr << name << ": " << tally.status() << "\n";
      return false;
    }
    PrintRow(name, *tally, note);
    return tally->lost == 0;
  };
  bool none_lost = run("none (baseline)", [] { return std::string("-"); });
  none_lost &= run("kill a worker", [&] {
    c.KillWorker(1);
    return std::string("worker-2 SIGKILLed");
  });
  if (absl::Status s = c.RestartWorker(1); !s.ok()) std::cerr << s << "\n";
  (void)c.AwaitLiveWorkers(2, absl::Seconds(30));
  none_lost &= run("kill the master", [&] {
    const absl::Time killed = absl::Now();
    absl::Status restarted = c.RestartMaster(/*kill=*/true);
    const absl::Duration serving = absl::Now() - killed;
    absl::Status rejoined = restarted.ok() ? c.AwaitLiveWorkers(2, absl::Seconds(30)) : restarted;
    return rejoined.ok()
               ? absl::StrFormat(
                     "master serving again %.1f s and workers rejoined %.1f s after "
                     "the kill",
                     absl::ToDoubleSeconds(serving), absl::ToDoubleSeconds(absl::Now() - killed))
               : absl::StrCat("restart failed: ", rejoined.message());
  });
  none_lost &= run("stop Redis 5 s", [&] {
    absl::Status stopped = c.StopRedis();
    absl::SleepFor(absl::Seconds(5));
    absl::Status started = c.StartRedis();
    return stopped.ok() && started.ok() ? std::string("Redis back with its AOF")
                                        : std::string("Redis stop/start failed");
  });
  int64_t job_lost = 0;
  none_lost &= run("full disk (job)", [&] { return FullDiskUnderAJob(c, &job_lost); });
  none_lost &= job_lost == 0;
  std::cout << absl::StrFormat("goal: no query or job input lost in any fault: %s\n",
                               none_lost ? "met" : "NOT MET");
  return 0;
}
