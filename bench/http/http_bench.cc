// bench/http: the same query through every front door of the master.
//
// One FP32 tensor [1,1,28,28] (a zoo sample, decoded as the workers decode
// it) for one lenet5 variant, in one run, through
//   infaas.v1 gRPC      QueryOnline, raw_fp32 input
//   KServe gRPC         GRPCInferenceService/ModelInfer, raw_input_contents
//   KServe HTTP JSON    POST /v2/models/{v}/infer, 784 numbers in JSON, JSON answer
//   KServe HTTP binary  the same with the binary tensor data extension both ways
// at concurrency 1 and at saturation. Prints p50/p99 latency, throughput,
// and each path's added p50 over infaas.v1 gRPC.
//
//   build/bin/infaas_bench_http [--seconds 5] [--concurrency 16]

#include <grpcpp/create_channel.h>
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backend/model_config.h"
#include "backend/preprocess.h"
#include "common/files.h"
#include "inference/grpc_service.grpc.pb.h"
#include "load_driver.h"
#include "testing/test_cluster.h"

namespace {

using namespace infaas;
using nlohmann::json;

constexpr char kVariant[] = "lenet5_torchscript_cpu1_b8";

std::vector<float> SamplePixels() {
  const auto dir = testing::TestCluster::SourceDir() / "models/zoo";
  auto config = backend::ParseModelConfig(*ReadFile((dir / "lenet5/config.pbtxt").string()), "");
  return backend::DecodeImageInput(testing::ReadBytes(dir / "samples/ankle_boot_0000.png"), *config,
                                   0)
      ->data;
}

std::string Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// One call of a path; each thread makes its own with `make`.
using Call = std::function<bool()>;
using MakeCall = std::function<Call()>;

MakeCall InfaasGrpc(std::shared_ptr<grpc::Channel> channel, const std::string& pixels) {
  return [channel, pixels] {
    auto stub = std::shared_ptr<v1::Infaas::Stub>(v1::Infaas::NewStub(channel));
    v1::QueryOnlineRequest request;
    request.set_variant(kVariant);
    request.add_inputs()->set_raw_fp32(pixels);
    return [stub, request] {
      grpc::ClientContext context;
      v1::QueryOnlineResponse response;
      return stub->QueryOnline(&context, request, &response).ok();
    };
  };
}

MakeCall KServeGrpc(std::shared_ptr<grpc::Channel> channel, const std::string& pixels) {
  return [channel, pixels] {
    auto stub = std::shared_ptr<inference::GRPCInferenceService::Stub>(
        inference::GRPCInferenceService::NewStub(channel));
    inference::ModelInferRequest request;
    request.set_model_name(kVariant);
    auto* input = request.add_inputs();
    input->set_name("input");
    input->set_datatype("FP32");
    for (int64_t d : {1, 1, 28, 28}) input->add_shape(d);
    request.add_raw_input_contents(pixels);
    return [stub, request] {
      grpc::ClientContext context;
      inference::ModelInferResponse response;
      return stub->ModelInfer(&context, request, &response).ok();
    };
  };
}

MakeCall KServeHttp(const std::string& address, std::string body, httplib::Headers headers) {
  return [address, body, headers] {
    auto client = std::make_shared<httplib::Client>(absl::StrCat("http://", address));
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // as curl and the usual clients do
    const std::string path = absl::StrCat("/v2/models/", kVariant, "/infer");
    return [client, path, body, headers] {
      httplib::Result r = client->Post(path, headers, body, "application/json");
      return r && r->status == 200;
    };
  };
}

std::string JsonBody(const std::vector<float>& pixels) {
  json body = {
      {"inputs",
       {{{"name", "input"}, {"shape", {1, 1, 28, 28}}, {"datatype", "FP32"}, {"data", pixels}}}}};
  return body.dump();
}

std::string BinaryHeader() {
  return json({{"inputs",
                {{{"name", "input"},
                  {"shape", {1, 1, 28, 28}},
                  {"datatype", "FP32"},
                  {"parameters", {{"binary_data_size", 784 * 4}}}}}},
               {"parameters", {{"binary_data_output", true}}}})
      .dump();
}

bench::LoadFigures Measure(const MakeCall& make, int threads, absl::Duration d) {
  std::vector<Call> calls;
  for (int t = 0; t < threads; ++t) calls.push_back(make());
  std::atomic<int> next{0};
  thread_local int mine = -1;
  return bench::DriveLoad(threads, d, 1, [&] {
    if (mine < 0) mine = next++;
    return calls[mine]();
  });
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 6;
  int concurrency = 16;
  int rounds = 3;
  CLI::App app(
      "The same query through infaas.v1 gRPC, KServe gRPC and KServe HTTP (JSON, binary).");
  app.add_option("--seconds", seconds, "Measuring time per figure")->capture_default_str();
  app.add_option("--concurrency", concurrency, "Queries in flight at saturation")
      ->capture_default_str();
  app.add_option("--rounds", rounds,
                 "Rounds per figure, the paths taking turns (the median is printed): the "
                 "machine's other work falls on all of them alike")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto cluster = testing::TestCluster::Start({.workers = 1, .zoo_models = {"lenet5"}});
  if (!cluster.ok()) {
    std::cerr << "cannot start the cluster: " << cluster.status() << "\n";
    return 1;
  }
  const std::vector<float> pixels = SamplePixels();
  const std::string raw = Bytes(pixels);
  auto channel =
      grpc::CreateChannel((*cluster)->master_address(), grpc::InsecureChannelCredentials());
  const std::string header = BinaryHeader();
  const std::vector<std::pair<std::string, MakeCall>> paths = {
      {"infaas.v1 gRPC", InfaasGrpc(channel, raw)},
      {"KServe gRPC", KServeGrpc(channel, raw)},
      {"KServe HTTP JSON", KServeHttp((*cluster)->http_address(), JsonBody(pixels), {})},
      {"KServe HTTP binary",
       KServeHttp((*cluster)->http_address(), header + raw,
                  {{"Inference-Header-Content-Length", std::to_string(header.size())}})}};
  for (const auto& [name, make] : paths) {
    if (!make()()) {
      std::cerr << name << ": the query failed; see " << (*cluster)->dir() << "/logs\n";
      return 1;
    }
  }
  Measure(paths[0].second, 1, absl::Seconds(1));  // warm up

  const absl::Duration d = absl::Seconds(seconds / rounds);
  absl::PrintF("JSON body %d bytes, binary body %d bytes; %s, %g s per figure in %d rounds\n",
               JsonBody(pixels).size(), header.size() + raw.size(), kVariant, seconds, rounds);
  absl::PrintF("%-20s %5s %9s %9s %10s %12s %9s\n", "path", "conc", "p50 ms", "p99 ms", "req/s",
               "+p50 vs v1", "failures");
  std::map<std::pair<std::string, int>, bench::LoadFigures> figures;
  for (int threads : {1, concurrency}) {
    std::vector<std::vector<bench::LoadFigures>> runs(paths.size());
    for (int round = 0; round < rounds; ++round) {
      for (size_t p = 0; p < paths.size(); ++p) {
        runs[p].push_back(Measure(paths[p].second, threads, d));
      }
    }
    for (size_t p = 0; p < paths.size(); ++p) {
      auto median = [&](auto field) {
        std::vector<double> values;
        for (const bench::LoadFigures& f : runs[p]) values.push_back(field(f));
        return PercentileOf(values, 50);
      };
      bench::LoadFigures f;
      f.p50_ms = median([](const auto& f) { return f.p50_ms; });
      f.p99_ms = median([](const auto& f) { return f.p99_ms; });
      f.per_second = median([](const auto& f) { return f.per_second; });
      for (const bench::LoadFigures& r : runs[p]) f.failures += r.failures;
      figures[{paths[p].first, threads}] = f;
      const bench::LoadFigures& base = figures[{paths[0].first, threads}];
      absl::PrintF("%-20s %5d %9.3f %9.3f %10.0f %12.3f %9d\n", paths[p].first, threads, f.p50_ms,
                   f.p99_ms, f.per_second, f.p50_ms - base.p50_ms, f.failures);
    }
  }
  const auto& json1 = figures[{"KServe HTTP JSON", 1}];
  const auto& grpc1 = figures[{paths[0].first, 1}];
  const auto& json_busy = figures[{"KServe HTTP JSON", concurrency}];
  const auto& grpc_busy = figures[{paths[0].first, concurrency}];
  const double added = json1.p50_ms - grpc1.p50_ms;
  const double share = 100 * json_busy.per_second / grpc_busy.per_second;
  absl::PrintF("\ngoals (issue 15), KServe HTTP JSON against infaas.v1 gRPC:\n");
  absl::PrintF("  added p50 at concurrency 1      %6.3f ms  (goal <= 0.05 ms)  %s\n", added,
               added <= 0.05 ? "met" : "NOT MET");
  absl::PrintF("  throughput at concurrency %-4d %6.0f%%    (goal >= 80%%)     %s\n", concurrency,
               share, share >= 80 ? "met" : "NOT MET");
  return 0;
}
