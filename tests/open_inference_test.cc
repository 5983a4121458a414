// The Open Inference Protocol (KServe v2) over HTTP and gRPC, INFaaS's REST
// API and /metrics, end to end: a real infaas-master and worker on loopback
// (free ports), real zoo models, a real HTTP client and a gRPC client
// generated from proto/inference/grpc_service.proto.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backend/model_config.h"
#include "backend/preprocess.h"
#include "common/files.h"
#include "inference/grpc_service.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr int kBodyLimit = 200000;

fs::path Sample(const std::string& name) {
  return TestCluster::SourceDir() / "models/zoo/samples" / name;
}

std::string Floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// The sample as lenet5's FP32 input [1,28,28], through the workers' own decoding.
std::vector<float> Pixels(const fs::path& image) {
  const fs::path config = TestCluster::SourceDir() / "models/zoo/lenet5/config.pbtxt";
  auto parsed = backend::ParseModelConfig(*ReadFile(config.string()), config.string());
  return backend::DecodeImageInput(ReadBytes(image), *parsed, 0)->data;
}

json ImageRequest(const fs::path& image, json parameters = json::object()) {
  return {{"id", "req-1"},
          {"parameters", parameters},
          {"inputs",
           {{{"name", "input"},
             {"shape", {1}},
             {"datatype", "BYTES"},
             {"parameters", {{"content_type", "base64"}}},
             {"data", {absl::Base64Escape(ReadBytes(image))}}}}}};
}

int ArgMax(const std::vector<float>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

class OpenInferenceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started =
        TestCluster::Start({.workers = 1,
                            .zoo_models = {"linear", "lenet5"},
                            .master_flags = {"--http-max-body-bytes", absl::StrCat(kBodyLimit)}});
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
    kserve_ = inference::GRPCInferenceService::NewStub(
        grpc::CreateChannel(cluster_->master_address(), grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    kserve_.reset();
    delete cluster_;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }

  HttpReply Get(const std::string& path) { return HttpGet(cluster_->http_address(), path); }
  HttpReply Post(const std::string& path, const std::string& body,
                 const std::map<std::string, std::string>& headers = {}) {
    return HttpPost(cluster_->http_address(), path, body, headers);
  }
  // A 4xx/5xx answer with {"error": ...}; returns the message.
  std::string ErrorOf(const HttpReply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << r.body;
    return j.is_object() ? j.value("error", "") : "";
  }
  void ExpectStillServing() {
    HttpReply r = Post("/v2/models/lenet5_torchscript_cpu1_b8/infer",
                       ImageRequest(Sample("bag_0018.png")).dump());
    EXPECT_EQ(r.status, 200) << r.body;
  }

  static TestCluster* cluster_;
  static std::unique_ptr<inference::GRPCInferenceService::Stub> kserve_;
};

TestCluster* OpenInferenceTest::cluster_ = nullptr;
std::unique_ptr<inference::GRPCInferenceService::Stub> OpenInferenceTest::kserve_;

TEST_F(OpenInferenceTest, HealthAndServerMetadata) {
  EXPECT_EQ(Get("/v2/health/live").status, 200);
  EXPECT_EQ(Get("/v2/health/ready").status, 200);
  json meta = json::parse(Get("/v2").body);
  EXPECT_EQ(meta["name"], "infaas");
  EXPECT_THAT(meta["extensions"].get<std::vector<std::string>>(),
              ::testing::IsSupersetOf({"binary_tensor_data", "model_repository", "statistics"}));
}

TEST_F(OpenInferenceTest, ModelNamesAreVariantsArchitecturesOrFamilies) {
  for (const std::string path :
       {"/v2/models/lenet5_torchscript_cpu1_b8", "/v2/models/lenet5",
        "/v2/models/lenet5/versions/1", "/v2/models/classification/fashion-mnist",
        "/v2/models/classification%2Ffashion-mnist"}) {
    HttpReply r = Get(path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    json m = json::parse(r.body);
    EXPECT_EQ(m["versions"], json({"1"}));
    EXPECT_EQ(m["inputs"][0]["shape"], json({-1, 1, 28, 28})) << path;
    EXPECT_EQ(m["outputs"][0]["datatype"], "FP32");
    EXPECT_EQ(Get(path + "/ready").status, 200) << path;
  }
  EXPECT_EQ(json::parse(Get("/v2/models/lenet5_torchscript_cpu1_b8").body)["platform"],
            "pytorch_torchscript");
  EXPECT_EQ(json::parse(Get("/v2/models/lenet5").body)["properties"]["kind"], "architecture");
  EXPECT_THAT(ErrorOf(Get("/v2/models/resnet9000"), 404),
              HasSubstr("architectures: lenet5, linear"));
  EXPECT_THAT(ErrorOf(Get("/v2/models/lenet5/versions/2"), 404), HasSubstr("no version \"2\""));
  EXPECT_EQ(Get("/v2/models/resnet9000/ready").status, 404);
}

TEST_F(OpenInferenceTest, JsonImagesAreAnsweredWithTheirTrueClassAndTheVariantThatServed) {
  // The measured accuracy of a variant, from the catalogue (GET /v1/architectures/{a}).
  auto AccuracyOf = [&](const std::string& variant) {
    for (const std::string arch : {"linear", "lenet5"}) {
      const json info = json::parse(Get("/v1/architectures/" + arch).body);
      for (const json& v : info["variants"]) {
        if (v["record"]["config"]["name"] == variant) {
          return v["record"]["profile"]["accuracy_percent"].get<double>();
        }
      }
    }
    return -1.0;
  };
  for (const std::string name : {"ankle_boot_0000.png", "trouser_0002.png", "bag_0018.png"}) {
    HttpReply r =
        Post("/v2/models/classification/fashion-mnist/infer",
             ImageRequest(Sample(name), {{"latency_ms", 500}, {"min_accuracy", 85}}).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    json answer = json::parse(r.body);
    EXPECT_EQ(answer["id"], "req-1");
    EXPECT_EQ(answer["model_name"], "classification/fashion-mnist");
    EXPECT_GE(AccuracyOf(answer["parameters"]["variant"]), 85);
    EXPECT_GT(answer["parameters"]["measured_latency_ms"].get<double>(), 0);
    EXPECT_EQ(answer["outputs"][0]["name"], "logits");
    EXPECT_EQ(answer["outputs"][0]["shape"], json({1, 10}));
    EXPECT_EQ(ArgMax(answer["outputs"][0]["data"].get<std::vector<float>>()),
              TrueClassOf(Sample(name)));
  }
  // No variant reaches 99.9 %: the nearest trade-offs come back as a 400.
  EXPECT_THAT(ErrorOf(Post("/v2/models/classification/fashion-mnist/infer",
                           ImageRequest(Sample("bag_0018.png"), {{"min_accuracy", 99.9}}).dump()),
                      400),
              HasSubstr("accuracy"));
}

TEST_F(OpenInferenceTest, Fp32AsJsonAndAsBinaryDataGiveTheSameAnswer) {
  const std::vector<float> pixels = Pixels(Sample("sneaker_0009.png"));
  json tensor = {{"name", "input"}, {"shape", {1, 1, 28, 28}}, {"datatype", "FP32"}};
  json as_json = {{"inputs", {tensor}}};
  as_json["inputs"][0]["data"] = pixels;
  HttpReply j = Post("/v2/models/lenet5_torchscript_cpu1_b8/infer", as_json.dump());
  ASSERT_EQ(j.status, 200) << j.body;
  const std::vector<float> from_json = json::parse(j.body)["outputs"][0]["data"];

  json header = {{"inputs", {tensor}}, {"parameters", {{"binary_data_output", true}}}};
  header["inputs"][0]["parameters"] = {{"binary_data_size", pixels.size() * 4}};
  const std::string head = header.dump();
  HttpReply b = Post("/v2/models/lenet5_torchscript_cpu1_b8/infer", head + Floats(pixels),
                     {{"Inference-Header-Content-Length", absl::StrCat(head.size())}});
  ASSERT_EQ(b.status, 200) << b.body;
  const size_t json_length = std::stoul(b.headers["Inference-Header-Content-Length"]);
  json meta = json::parse(b.body.substr(0, json_length));
  ASSERT_EQ(meta["outputs"][0]["parameters"]["binary_data_size"], 40);
  std::vector<float> from_binary(10);
  std::memcpy(from_binary.data(), b.body.data() + json_length, 40);
  for (int i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(from_binary[i], from_json[i]);
  EXPECT_EQ(ArgMax(from_binary), TrueClassOf(Sample("sneaker_0009.png")));
}

TEST_F(OpenInferenceTest, BadRequestsGetAPreciseErrorAndTheServerKeepsServing) {
  const std::string infer = "/v2/models/lenet5/infer";
  EXPECT_THAT(
      ErrorOf(Post("/v2/models/nope/infer", ImageRequest(Sample("bag_0018.png")).dump()), 404),
      HasSubstr("\"nope\" is not a registered"));
  EXPECT_THAT(ErrorOf(Post(infer, R"({"inputs": [)"), 400), HasSubstr("not valid JSON"));
  EXPECT_THAT(
      ErrorOf(
          Post(
              infer,
              R"({"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"INT64","data":[1]}]})"),
          400),
      HasSubstr("datatype \"INT64\" is not accepted"));
  EXPECT_THAT(
      ErrorOf(
          Post(
              infer,
              R"({"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","data":["x"]}]})"),
          400),
      HasSubstr("needs numbers"));
  EXPECT_THAT(
      ErrorOf(
          Post(
              infer,
              R"({"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","data":[1,2,3]}]})"),
          400),
      HasSubstr("holds 784 FP32 values; the request has 3"));
  json flat = {{"inputs",
                {{{"name", "input"},
                  {"shape", {1, 784}},
                  {"datatype", "FP32"},
                  {"data", std::vector<float>(784, 0)}}}}};
  EXPECT_THAT(ErrorOf(Post(infer, flat.dump()), 400),
              HasSubstr("FP32 shape [1,784] does not fit; model \"lenet5\" takes one input "
                        "\"input\": FP32 [-1,1,28,28]"));
  EXPECT_THAT(
      ErrorOf(Post(infer,
                   R"({"inputs":[{"name":"pixels","shape":[1],"datatype":"BYTES","data":["x"]}]})"),
              400),
      HasSubstr("the request names it \"pixels\""));
  EXPECT_THAT(
      ErrorOf(Post(infer, ImageRequest(Sample("bag_0018.png"), {{"latency_ms", "fast"}}).dump()),
              400),
      HasSubstr("\"latency_ms\" must be a number"));
  EXPECT_THAT(ErrorOf(Post(infer, std::string(kBodyLimit + 1000, ' ')), 413),
              HasSubstr("exceeds the limit of 200000 bytes"));
  const std::string head =
      R"({"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","parameters":{"binary_data_size":3136}}]})";
  EXPECT_THAT(ErrorOf(Post(infer, head + std::string(3000, '\0'),
                           {{"Inference-Header-Content-Length", absl::StrCat(head.size())}}),
                      400),
              HasSubstr("only 3000 bytes of binary data remain"));
  EXPECT_THAT(ErrorOf(Post(infer, head, {{"Inference-Header-Content-Length", "99999"}}), 400),
              HasSubstr("is 99999 but the body has only"));
  EXPECT_THAT(ErrorOf(Post(infer, head, {{"Inference-Header-Content-Length", "ten"}}), 400),
              HasSubstr("must be the JSON header's length"));
  EXPECT_THAT(ErrorOf(Get("/v3/nothing"), 404), HasSubstr("no endpoint GET /v3/nothing"));
  ExpectStillServing();
}

TEST_F(OpenInferenceTest, RepositoryLoadPinsAVariantAndUnloadReleasesIt) {
  const std::string variant = "linear_torchscript_cpu1_b1";
  auto state = [&] {
    for (const json& e : json::parse(Post("/v2/repository/index", "").body)) {
      if (e["name"] == variant) return e;
    }
    return json();
  };
  ASSERT_FALSE(state().is_null());
  HttpReply load = Post("/v2/repository/models/" + variant + "/load", "");
  ASSERT_EQ(load.status, 200) << load.body;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (state()["state"] != "READY" && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(state()["state"], "READY");
  EXPECT_EQ(state()["pinned"], true);
  json ready = json::parse(Post("/v2/repository/index", R"({"ready": true})").body);
  EXPECT_TRUE(
      std::all_of(ready.begin(), ready.end(), [](const json& e) { return e["state"] == "READY"; }));

  ASSERT_EQ(Post("/v2/repository/models/" + variant + "/unload", "").status, 200);
  while (state()["state"] == "READY" && absl::Now() < deadline + absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(state()["state"], "UNAVAILABLE");
  EXPECT_EQ(state()["pinned"], false);
  EXPECT_THAT(ErrorOf(Post("/v2/repository/models/lenet5/load", ""), 400),
              HasSubstr("take a variant"));
  EXPECT_EQ(Post("/v2/repository/models/nope/unload", "").status, 404);
  EXPECT_THAT(ErrorOf(Post("/v2/repository/index", "[1]"), 400), HasSubstr("{\"ready\": true}"));
  ExpectStillServing();
}

TEST_F(OpenInferenceTest, StatisticsCountRequestsExecutionsAndTimes) {
  const std::string variant = "lenet5_onnx_cpu1_b8";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Post("/v2/models/" + variant + "/infer", ImageRequest(Sample("coat_0006.png")).dump())
                  .status,
              200);
  }
  json stats = json::parse(Get("/v2/models/" + variant + "/stats").body)["model_stats"];
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0]["name"], variant);
  EXPECT_GE(stats[0]["inference_count"].get<int>(), 3);
  EXPECT_GE(stats[0]["execution_count"].get<int>(), 1);
  EXPECT_GE(stats[0]["inference_stats"]["success"]["count"].get<int>(), 3);
  EXPECT_GT(stats[0]["inference_stats"]["compute_infer"]["ns"].get<int64_t>(), 0);
  EXPECT_FALSE(stats[0]["batch_stats"].empty());
  json arch = json::parse(Get("/v2/models/lenet5/stats").body)["model_stats"];
  EXPECT_GE(arch.size(), 2u);  // every lenet5 variant
  EXPECT_EQ(Get("/v2/models/nope/stats").status, 404);
}

TEST_F(OpenInferenceTest, InfaasRestAnswersWhatTheGrpcApiAnswers) {
  json archs = json::parse(Get("/v1/architectures?task=classification&dataset=fashion-mnist").body);
  EXPECT_EQ(archs["architectures"], json({"lenet5", "linear"}));
  json info = json::parse(Get("/v1/architectures/lenet5").body);
  EXPECT_GE(info["variants"].size(), 2u);
  EXPECT_THAT(ErrorOf(Get("/v1/architectures/nope"), 404), HasSubstr("not registered"));
  json cluster = json::parse(Get("/v1/cluster").body);
  EXPECT_EQ(cluster["workers"].size(), 1u);
  json query = {
      {"architecture", "lenet5"},
      {"latency_slo_ms", 500},
      {"inputs", {{{"encoded_image", absl::Base64Escape(ReadBytes(Sample("dress_0013.png")))}}}}};
  HttpReply q = Post("/v1/query", query.dump());
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(ArgMax(json::parse(q.body)["outputs"][0]["values"].get<std::vector<float>>()),
            TrueClassOf(Sample("dress_0013.png")));
  EXPECT_THAT(ErrorOf(Post("/v1/query", R"({"variant": 5})"), 400),
              HasSubstr("QueryOnlineRequest"));
  // Offline jobs: HTTP gives the gRPC API's answer, whatever this master serves.
  grpc::ClientContext context;
  v1::ListOfflineJobsResponse jobs;
  const grpc::Status s = cluster_->api()->ListOfflineJobs(&context, {}, &jobs);
  HttpReply list = Get("/v1/offline-jobs");
  EXPECT_EQ(list.status, s.ok()                                              ? 200
                         : s.error_code() == grpc::StatusCode::UNIMPLEMENTED ? 501
                                                                             : list.status);
  if (!s.ok()) {
    EXPECT_EQ(ErrorOf(list, list.status), s.error_message());
  }
}

TEST_F(OpenInferenceTest, MetricsPassPromtoolAndCountWhatWasServed) {
  ASSERT_EQ(Post("/v2/models/lenet5_torchscript_cpu1_b8/infer",
                 ImageRequest(Sample("shirt_0004.png")).dump())
                .status,
            200);
  ASSERT_EQ(Post("/v2/models/lenet5/infer",
                 R"({"inputs":[{"name":"input","shape":[1],"datatype":"INT8","data":[1]}]})")
                .status,
            400);
  // Loads are counted from heartbeats: the variant's first heartbeat may
  // still be on its way when the answer is.
  const std::string loaded =
      "infaas_variant_loads_total{variant=\"lenet5_torchscript_cpu1_b8\",worker=\"worker-1\"}";
  HttpReply m = HttpGet(cluster_->metrics_address(), "/metrics");
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       m.status == 200 && !absl::StrContains(m.body, loaded) && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(100));
    m = HttpGet(cluster_->metrics_address(), "/metrics");
  }
  ASSERT_EQ(m.status, 200);
  EXPECT_THAT(m.headers["Content-Type"], HasSubstr("text/plain; version=0.0.4"));
  EXPECT_TRUE(PromtoolCheck(m.body).ok()) << PromtoolCheck(m.body);
  for (const std::string line :
       {"nv_inference_request_failure_total{model=\"lenet5\",version=\"1\",reason=\"invalid_"
        "argument\"}",
        "nv_inference_request_success_total{model=\"lenet5_torchscript_cpu1_b8\",version=\"1\"}",
        "nv_inference_count_total{model=\"lenet5_torchscript_cpu1_b8\",version=\"1\"}",
        "nv_inference_request_duration_seconds_bucket{model=\"lenet5_torchscript_cpu1_b8\",version="
        "\"1\",le=\"+Inf\"}",
        "nv_inference_queue_duration_seconds_total{",
        "nv_inference_compute_infer_duration_seconds_total{",
        "nv_cpu_utilization{worker=\"worker-1\"}", "nv_cpu_memory_used_bytes{worker=\"worker-1\"}",
        "infaas_workers_alive 1",
        "infaas_selections_total{variant=\"lenet5_torchscript_cpu1_b8\",form=\"variant\"}",
        "# TYPE infaas_autoscaler_actions_total counter"}) {
    EXPECT_THAT(m.body, HasSubstr(line));
  }
  EXPECT_THAT(m.body, HasSubstr(loaded));
}

TEST_F(OpenInferenceTest, GrpcClientDrivesGrpcInferenceService) {
  auto call = [](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return (kserve_.get()->*method)(&context, request, response);
  };
  using S = inference::GRPCInferenceService::Stub;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(call(&S::ServerLive, inference::ServerLiveRequest(), &live).ok());
  EXPECT_TRUE(live.live());
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(call(&S::ServerReady, inference::ServerReadyRequest(), &ready).ok());
  EXPECT_TRUE(ready.ready());
  inference::ServerMetadataResponse server;
  ASSERT_TRUE(call(&S::ServerMetadata, inference::ServerMetadataRequest(), &server).ok());
  EXPECT_EQ(server.name(), "infaas");
  inference::ModelReadyRequest model_ready;
  model_ready.set_name("lenet5");
  inference::ModelReadyResponse is_ready;
  ASSERT_TRUE(call(&S::ModelReady, model_ready, &is_ready).ok());
  EXPECT_TRUE(is_ready.ready());
  model_ready.set_name("nope");
  EXPECT_EQ(call(&S::ModelReady, model_ready, &is_ready).error_code(), grpc::StatusCode::NOT_FOUND);
  inference::ModelMetadataRequest meta_request;
  meta_request.set_name("classification/fashion-mnist");
  inference::ModelMetadataResponse meta;
  ASSERT_TRUE(call(&S::ModelMetadata, meta_request, &meta).ok());
  EXPECT_EQ(meta.inputs(0).name(), "input");

  // Raw BYTES in (4-byte length + PNG), raw FP32 out, as Triton's clients send.
  const std::string png = ReadBytes(Sample("pullover_0001.png"));
  inference::ModelInferRequest raw;
  raw.set_model_name("lenet5");
  (*raw.mutable_parameters())["latency_ms"].set_double_param(500);
  auto* in = raw.add_inputs();
  in->set_name("input");
  in->set_datatype("BYTES");
  in->add_shape(1);
  const uint32_t n = png.size();
  raw.add_raw_input_contents(std::string(reinterpret_cast<const char*>(&n), 4) + png);
  inference::ModelInferResponse answer;
  grpc::Status s = call(&S::ModelInfer, raw, &answer);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(answer.raw_output_contents_size(), 1);
  std::vector<float> logits(10);
  std::memcpy(logits.data(), answer.raw_output_contents(0).data(), 40);
  EXPECT_EQ(ArgMax(logits), TrueClassOf(Sample("pullover_0001.png")));
  EXPECT_THAT(answer.parameters().at("variant").string_param(), HasSubstr("lenet5"));

  // FP32 contents in, contents out.
  inference::ModelInferRequest typed;
  typed.set_model_name("lenet5_torchscript_cpu1_b8");
  auto* t = typed.add_inputs();
  t->set_name("input");
  t->set_datatype("FP32");
  for (int64_t d : {1, 1, 28, 28}) t->add_shape(d);
  const std::vector<float> pixels = Pixels(Sample("pullover_0001.png"));
  t->mutable_contents()->mutable_fp32_contents()->Assign(pixels.begin(), pixels.end());
  ASSERT_TRUE(call(&S::ModelInfer, typed, &answer).ok());
  EXPECT_EQ(ArgMax({answer.outputs(0).contents().fp32_contents().begin(),
                    answer.outputs(0).contents().fp32_contents().end()}),
            TrueClassOf(Sample("pullover_0001.png")));

  t->set_datatype("FP16");
  s = call(&S::ModelInfer, typed, &answer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("datatype \"FP16\" is not accepted"));
  typed.set_model_name("nope");
  EXPECT_EQ(call(&S::ModelInfer, typed, &answer).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(OpenInferenceTest, ASecondMasterCannotTakeTheHttpPort) {
  const std::string port = cluster_->http_address().substr(cluster_->http_address().rfind(':') + 1);
  auto second = ChildProcess::Start(
      {(TestCluster::BinaryDir() / "bin/infaas-master").string(), "--listen", "127.0.0.1:0",
       "--store", absl::StrCat("sqlite:", (cluster_->dir() / "second.db").string()), "--repo",
       (cluster_->dir() / "models").string(), "--http-port", port, "--metrics-port", "0"},
      cluster_->dir() / "logs/second-master.log");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE((*second)->ReadLine(absl::Seconds(30)).ok());  // exits without serving
  EXPECT_NE((*second)->Stop(SIGTERM), 0);
  EXPECT_THAT(ReadBytes(cluster_->dir() / "logs/second-master.log"),
              HasSubstr("cannot listen for HTTP"));
  ExpectStillServing();
}

}  // namespace
}  // namespace infaas::testing
