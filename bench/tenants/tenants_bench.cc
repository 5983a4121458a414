// bench/tenants: does one tenant's flood move another tenant's latency?
//
// One single-machine INFaaS started as `infaas up` starts it (API keys, a
// cluster secret), one worker of one core pinned to CPU 0, no scaling. Two
// tenants with user keys query lenet5 within a loose SLO, open loop:
//   calm   at --calm-qps, within its quota;
//   flood  with a quota of --flood-quota queries per second, offering
//          --flood-multiple times that.
// Phase 1 runs calm alone, phase 2 calm beside the flood. Printed: calm's
// p50/p99 and SLO attainment in each phase and the p99 ratio (goal <= 1.25:
// the flood's excess is refused at admission, before it costs the worker
// anything), and the flood's sent, answered, refused and time to a refusal.
//
//   build/bin/infaas_bench_tenants [--calm-qps 20] [--flood-quota 20]
//       [--flood-multiple 5] [--seconds 15]

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "absl/strings/str_format.h"
#include "common/cluster_secret.h"
#include "common/status_macros.h"
#include "loadgen/arrivals.h"
#include "loadgen/load_generator.h"
#include "loadgen/load_report.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;

struct Flags {
  double calm_qps = 20;
  double flood_quota = 20;
  double flood_multiple = 5;
  double seconds = 15;
  double slo_ms = 200;
  uint64_t seed = 11;
};

std::unique_ptr<v1::Infaas::Stub> StubWithKey(const testing::TestCluster& cluster,
                                              const std::string& key) {
  return v1::Infaas::NewStub(CreateChannelWithMetadata(
      cluster.master_address(), grpc::ChannelArguments(), {{"authorization", "Bearer " + key}}));
}

absl::StatusOr<std::string> UserKey(testing::TestCluster& cluster, const std::string& tenant,
                                    double quota_qps) {
  auto admin = v1::Access::NewStub(
      CreateChannelWithMetadata(cluster.master_address(), grpc::ChannelArguments(),
                                {{"authorization", "Bearer " + cluster.admin_key()}}));
  if (quota_qps > 0) {
    grpc::ClientContext context;
    v1::TenantRecord quota, set;
    quota.set_name(tenant);
    quota.set_max_queries_per_second(quota_qps);
    grpc::Status s = admin->SetTenantQuota(&context, quota, &set);
    if (!s.ok()) return absl::InternalError(s.error_message());
  }
  grpc::ClientContext context;
  v1::CreateApiKeyRequest request;
  request.set_tenant(tenant);
  request.set_role("user");
  v1::CreateApiKeyResponse response;
  grpc::Status s = admin->CreateApiKey(&context, request, &response);
  if (!s.ok()) return absl::InternalError(s.error_message());
  return response.key();
}

v1::QueryOnlineRequest Query(double slo_ms) {
  v1::QueryOnlineRequest request;
  request.set_architecture("lenet5");
  request.set_latency_slo_ms(slo_ms);
  request.add_inputs()->set_encoded_image(testing::ReadBytes(testing::SampleImages().front()));
  return request;
}

absl::StatusOr<loadgen::IntervalStats> Offer(v1::Infaas::Stub* stub,
                                             const v1::QueryOnlineRequest& request, double qps,
                                             double seconds, double slo_ms, uint64_t seed) {
  const absl::Duration length = absl::Seconds(seconds);
  loadgen::LoadRecorder recorder(length, slo_ms);
  RETURN_IF_ERROR(
      loadgen::RunOpenLoopLoad(stub, request,
                               {.arrivals = loadgen::PoissonArrivals({{qps, length}}, seed),
                                .timeout = absl::Seconds(5),
                                .drain = absl::Seconds(6)},
                               &recorder));
  return recorder.Report().total;
}

void PrintCalm(const char* phase, const loadgen::IntervalStats& s) {
  std::cout << absl::StrFormat(
      "  calm %-12s sent %5d  answered %5d  p50 %7.2f ms  p99 %7.2f ms  "
      "within SLO %6.2f%%\n",
      phase, s.sent, s.ok, s.p50_ms, s.p99_ms, 100 * s.slo_attainment);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app("bench/tenants: one tenant's flood beside another tenant's steady load");
  app.add_option("--calm-qps", flags.calm_qps, "the well-behaved tenant's rate")
      ->capture_default_str();
  app.add_option("--flood-quota", flags.flood_quota, "the flooding tenant's quota (queries/s)")
      ->capture_default_str();
  app.add_option("--flood-multiple", flags.flood_multiple, "the flood, as a multiple of its quota")
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of each phase")->capture_default_str();
  app.add_option("--slo-ms", flags.slo_ms, "each query's latency target")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::cerr << "starting a cluster with API keys: one worker of one core pinned to CPU 0\n";
  absl::StatusOr<std::unique_ptr<testing::TestCluster>> cluster =
      testing::TestCluster::Start({.workers = 1,
                                   .zoo_models = {"lenet5"},
                                   .master_flags = {"--autoscaler", "static"},
                                   .worker_cores = 1,
                                   .worker_cpus = "0",
                                   .secure = true});
  if (!cluster.ok()) {
    std::cerr << cluster.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> calm_key = UserKey(**cluster, "calm", 0);
  absl::StatusOr<std::string> flood_key = UserKey(**cluster, "flood", flags.flood_quota);
  if (!calm_key.ok() || !flood_key.ok()) {
    std::cerr << "cannot make keys: " << calm_key.status() << " " << flood_key.status() << "\n";
    return 1;
  }
  std::unique_ptr<v1::Infaas::Stub> calm = StubWithKey(**cluster, *calm_key);
  std::unique_ptr<v1::Infaas::Stub> flood = StubWithKey(**cluster, *flood_key);
  const v1::QueryOnlineRequest request = Query(flags.slo_ms);
  (void)Offer(calm.get(), request, 10, 3, flags.slo_ms, flags.seed);  // warm up

  std::cerr << "phase 1: calm alone\n";
  absl::StatusOr<loadgen::IntervalStats> alone =
      Offer(calm.get(), request, flags.calm_qps, flags.seconds, flags.slo_ms, flags.seed + 1);
  std::cerr << "phase 2: calm beside the flood\n";
  absl::StatusOr<loadgen::IntervalStats> flooded;
  std::thread flooder([&] {
    flooded = Offer(flood.get(), request, flags.flood_quota * flags.flood_multiple, flags.seconds,
                    flags.slo_ms, flags.seed + 2);
  });
  absl::StatusOr<loadgen::IntervalStats> beside =
      Offer(calm.get(), request, flags.calm_qps, flags.seconds, flags.slo_ms, flags.seed + 3);
  flooder.join();
  for (const auto* s : {&alone, &beside, &flooded}) {
    if (!s->ok()) {
      std::cerr << s->status() << "\n";
      return 1;
    }
  }
  std::cout << absl::StrFormat(
      "tenants: calm %.0f q/s (no quota); flood quota %.0f q/s, offering %.0f q/s; lenet5, "
      "1 image, SLO %.0f ms, %.0f s per phase\n",
      flags.calm_qps, flags.flood_quota, flags.flood_quota * flags.flood_multiple, flags.slo_ms,
      flags.seconds);
  PrintCalm("alone", *alone);
  PrintCalm("with flood", *beside);
  std::cout << absl::StrFormat(
      "  flood              sent %5d  answered %5d  refused %5d (%.1f%%)  time to a refusal "
      "p99 %.2f ms  answered %.1f q/s\n",
      flooded->sent, flooded->ok, flooded->refused,
      100.0 * static_cast<double>(flooded->refused) / std::max<int64_t>(1, flooded->sent),
      flooded->refusal_p99_ms, flooded->achieved_qps);
  const double ratio = alone->p99_ms > 0 ? beside->p99_ms / alone->p99_ms : 0;
  const bool met = ratio > 0 && ratio <= 1.25;
  std::cout << absl::StrFormat(
      "goal: calm's p99 with the flood / alone <= 1.25: %.2f (%s)\n"
      "goal: the flood answered at about its quota (<= 1.1x): %.1f q/s for %.0f (%s)\n",
      ratio, met ? "met" : "NOT MET", flooded->achieved_qps, flags.flood_quota,
      flooded->achieved_qps <= 1.1 * flags.flood_quota ? "met" : "NOT MET");
  return 0;
}
