// Hostile input against a live master and worker: malformed, oversized,
// slow and forged requests over every listener (KServe HTTP, infaas.v1 and
// KServe gRPC, the worker's own port). Each must cost its sender an error —
// a precise one where the protocol lets us answer — and never the service
// its memory or threads: after every case a good query is still answered,
// and the master's resident memory stays bounded.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "inference/grpc_service.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr int kBodyLimit = 4 << 20;
// The master's HTTP handler threads and waiting places, small so that a
// handful of connections fill them.
constexpr int kHttpThreads = 4;
constexpr int kHttpWaiting = 4;
// What the master may hold after every case; it starts near 100 MiB.
constexpr int64_t kMasterMemoryLimitBytes = int64_t{600} << 20;

fs::path Sample(const std::string& name) {
  return TestCluster::SourceDir() / "models/zoo/samples" / name;
}

// Resident memory of process `pid`, from /proc; -1 when unknown.
int64_t ResidentBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("VmRSS:")) continue;
    std::vector<std::string> parts = absl::StrSplit(line.substr(6), ' ', absl::SkipWhitespace());
    int64_t kib = 0;
    if (!parts.empty() && absl::SimpleAtoi(parts[0], &kib)) return kib * 1024;
  }
  return -1;
}

json ImageRequest(const std::string& bytes) {
  return {{"inputs",
           {{{"name", "input"},
             {"shape", {1}},
             {"datatype", "BYTES"},
             {"parameters", {{"content_type", "base64"}}},
             {"data", {absl::Base64Escape(bytes)}}}}}};
}

json Fp32Request(json shape, json data) {
  return {
      {"inputs", {{{"name", "input"}, {"shape", shape}, {"datatype", "FP32"}, {"data", data}}}}};
}

// A PNG whose header claims width x height (with a valid CRC), and no pixels.
std::string PngHeader(uint32_t width, uint32_t height) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string chunk = "IHDR" + be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : chunk) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + chunk + be32(~crc);
}

class HostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = TestCluster::Start(
        {.workers = 1,
         .zoo_models = {"lenet5"},
         .master_flags = {"--http-max-body-bytes", absl::StrCat(kBodyLimit), "--http-threads",
                          absl::StrCat(kHttpThreads), "--http-max-waiting-connections",
                          absl::StrCat(kHttpWaiting)}});
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
  // After every case: the cluster still answers a good query and the
  // master's memory stays bounded.
  void TearDown() override {
    if (cluster_ == nullptr) return;
    HttpReply r = HttpPost(cluster_->http_address(), "/v2/models/lenet5/infer",
                           ImageRequest(ReadBytes(Sample("bag_0018.png"))).dump());
    EXPECT_EQ(r.status, 200) << "a good query after the case: " << r.body;
    const int64_t rss = ResidentBytes(cluster_->master_pid());
    EXPECT_GT(rss, 0);
    EXPECT_LT(rss, kMasterMemoryLimitBytes) << "the master's resident memory after the case";
  }

  // POSTs `body` to lenet5's KServe infer route; expects `status` and a JSON
  // error, and returns its message.
  std::string InferError(const std::string& body, int status,
                         const std::map<std::string, std::string>& headers = {}) {
    HttpReply r = HttpPost(cluster_->http_address(), "/v2/models/lenet5/infer", body, headers);
    EXPECT_EQ(r.status, status) << r.body;
    return JsonErrorOf(r);
  }

  grpc::Status Query(const v1::QueryOnlineRequest& request, v1::QueryOnlineResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return cluster_->api()->QueryOnline(&context, request, response);
  }

  static TestCluster* cluster_;
  static std::unique_ptr<inference::GRPCInferenceService::Stub> kserve_;
};

TestCluster* HostileTest::cluster_ = nullptr;
std::unique_ptr<inference::GRPCInferenceService::Stub> HostileTest::kserve_;

TEST_F(HostileTest, ShapesWhoseElementCountOverflowsOrIsHugeAreRefused) {
  // 2^60 x 784 wraps to 0 in 64 bits.
  EXPECT_THAT(InferError(Fp32Request({int64_t{1} << 60, 1, 28, 28}, json::array()).dump(), 400),
              HasSubstr("elements"));
  // A zero dimension makes the count 0 whatever the batch says.
  EXPECT_THAT(InferError(Fp32Request({int64_t{1} << 60, 0, 28, 28}, json::array()).dump(), 400),
              HasSubstr("elements"));
  EXPECT_THAT(InferError(Fp32Request({int64_t{1} << 25, 0, 28, 28}, json::array()).dump(), 400),
              HasSubstr("a request carries at most 1024"));
  EXPECT_THAT(InferError(Fp32Request({-1, 1, 28, 28}, json::array()).dump(), 400),
              HasSubstr("negative"));
  EXPECT_THAT(InferError(Fp32Request({int64_t{1} << 40, 1, 28, 28}, json::array()).dump(), 400),
              HasSubstr("elements"));
  json bytes = ImageRequest("x");
  bytes["inputs"][0]["shape"] = {int64_t{1} << 40};
  bytes["inputs"][0]["data"] = json::array();
  EXPECT_EQ(InferError(bytes.dump(), 400).empty(), false);
}

TEST_F(HostileTest, TooManyInputsInOneQueryAreRefusedBeforeTheyAreBuilt) {
  // 100,000 zero-length images in the binary extension: 400 KB of body.
  constexpr int kImages = 100000;
  const std::string head = json{{"inputs",
                                 {{{"name", "input"},
                                   {"shape", {kImages}},
                                   {"datatype", "BYTES"},
                                   {"parameters", {{"binary_data_size", 4 * kImages}}}}}}}
                               .dump();
  EXPECT_THAT(InferError(head + std::string(4 * kImages, '\0'), 400,
                         {{"Inference-Header-Content-Length", absl::StrCat(head.size())}}),
              HasSubstr("a request carries at most 1024"));
  // The same through infaas.v1: 200,000 empty inputs.
  v1::QueryOnlineRequest request;
  request.set_architecture("lenet5");
  request.set_latency_slo_ms(100);
  for (int i = 0; i < 200000; ++i) request.add_inputs()->set_raw_fp32("");
  v1::QueryOnlineResponse response;
  grpc::Status s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("inputs holds more than 1024 entries"));
  // A message near the master's size limit made of nothing but empty inputs
  // (2 bytes each on the wire).
  request.clear_inputs();
  for (int i = 0; i < 15'000'000; ++i) request.add_inputs();
  s = Query(request, &response);
  EXPECT_THAT(s.error_code(),
              AnyOf(grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::RESOURCE_EXHAUSTED))
      << s.error_message();
}

TEST_F(HostileTest, MalformedInputsGetPreciseErrors) {
  v1::QueryOnlineRequest request;
  request.set_variant("lenet5_onnx_cpu1_b8");
  request.add_inputs()->set_raw_fp32("abc");  // not a whole float, nor an example
  v1::QueryOnlineResponse response;
  grpc::Status s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  request.Clear();
  request.set_architecture("lenet5");
  request.set_latency_slo_ms(std::numeric_limits<double>::quiet_NaN());
  request.add_inputs()->set_encoded_image(ReadBytes(Sample("bag_0018.png")));
  s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  request.set_latency_slo_ms(100);
  request.set_min_accuracy_percent(-5);
  s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  // A name with control characters and 10 KB long.
  request.Clear();
  request.set_variant(std::string("evil\n[info] forged line\r") + std::string(10000, 'a'));
  request.add_inputs()->set_encoded_image("x");
  s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("10024 characters long"));
  EXPECT_LT(s.error_message().size(), 400u) << "an error echoes a bounded part of the name";
  request.set_variant("evil\n[info] forged line");
  s = Query(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("control character"));
  // The same for a KServe model name.
  const HttpReply r = HttpPost(cluster_->http_address(),
                               absl::StrCat("/v2/models/", std::string(5000, 'm'), "/infer"),
                               ImageRequest("x").dump());
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  EXPECT_LT(r.body.size(), 400u);
}

TEST_F(HostileTest, ImagesThatAreNotImagesOrTooLargeAreRefused) {
  EXPECT_THAT(InferError(ImageRequest("not an image at all").dump(), 400),
              HasSubstr("not a decodable"));
  EXPECT_THAT(InferError(ImageRequest(PngHeader(100000, 100000)).dump(), 400), HasSubstr("pixels"));
  // A real image cut short.
  const std::string png = ReadBytes(Sample("bag_0018.png"));
  EXPECT_THAT(InferError(ImageRequest(png.substr(0, png.size() / 2)).dump(), 400),
              HasSubstr("not a decodable"));
}

TEST_F(HostileTest, MalformedJsonAndBodiesAreRefused) {
  EXPECT_THAT(InferError(std::string(200000, '['), 400), HasSubstr("JSON"));
  EXPECT_THAT(InferError("{\"inputs\": 7}", 400), HasSubstr("inputs"));
  EXPECT_THAT(InferError("\xff\xfe\x00garbage", 400), HasSubstr("JSON"));
  // Empty objects: 3 bytes each, dozens once parsed; the same as a /v1 query.
  std::string objects = "{\"inputs\":[";
  for (int i = 0; i < 1200000; ++i) objects += "{},";
  objects += "{}]}";
  EXPECT_THAT(InferError(objects, 400), HasSubstr("objects and arrays"));
  const HttpReply v1 = HttpPost(cluster_->http_address(), "/v1/query", objects);
  EXPECT_EQ(v1.status, 400) << v1.body.substr(0, 300);
  EXPECT_THAT(JsonErrorOf(v1), HasSubstr("objects and arrays"));
  // Over the body limit with a Content-Length, and chunked without one.
  EXPECT_EQ(HttpPost(cluster_->http_address(), "/v2/models/lenet5/infer",
                     std::string(kBodyLimit + 1, ' '))
                .status,
            413);
  std::string chunked =
      "POST /v2/models/lenet5/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  const std::string piece(64 * 1024, ' ');
  for (int i = 0; i < 2 * kBodyLimit / static_cast<int>(piece.size()); ++i) {
    chunked += absl::StrCat(absl::Hex(piece.size()), "\r\n", piece, "\r\n");
  }
  chunked += "0\r\n\r\n";
  const std::string answer = RawExchange(cluster_->http_address(), chunked, absl::Seconds(20));
  EXPECT_THAT(answer, HasSubstr("411 Length Required")) << answer.substr(0, 200);
  EXPECT_THAT(answer, HasSubstr("Content-Length instead"));
  EXPECT_EQ(HttpPost(cluster_->http_address(), "/v2/models/lenet5/infer", "{}",
                     {{"Content-Encoding", "gzip"}})
                .status,
            415);
  // A header line of 1 MB.
  const std::string long_header = absl::StrCat(
      "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nX-A: ", std::string(1 << 20, 'a'), "\r\n\r\n");
  const std::string header_answer =
      RawExchange(cluster_->http_address(), long_header, absl::Seconds(20));
  EXPECT_THAT(header_answer, ::testing::Not(HasSubstr("200 OK")));
}

TEST_F(HostileTest, IdleAndSlowConnectionsAreClosedAndProbesAnswerMeanwhile) {
  // More idle connections than the HTTP port takes (4 past its threads and
  // waiting places), and one that sends half a request and never the rest.
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < kHttpThreads + kHttpWaiting + 4; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(cluster_->http_address()));
  }
  IdleConnection slow(cluster_->http_address());
  slow.Send("POST /v2/models/lenet5/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  // Probes and metrics have the metrics port's own threads.
  EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/v2/health/ready").status, 200);
  EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/metrics").status, 200);
  // Every one of them is closed by the server: refused at once past the
  // waiting limit, or timed out (2 s idle, 5 s without a byte).
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  auto all_closed = [&] {
    if (!slow.ClosedByServer()) return false;
    for (const auto& c : idle) {
      if (!c->ClosedByServer()) return false;
    }
    return true;
  };
  while (!all_closed() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(all_closed()) << "the server kept an idle or slow connection";
}

TEST_F(HostileTest, ConnectionsPastTheHandlersAndTheWaitingLimitGet503AndProbesStillAnswer) {
  // Fill the HTTP port's handler threads and its waiting places. Each
  // connection sends half a request, so that a handler waits for the rest
  // (5 s) rather than for a next request on an idle connection (2 s). A
  // handler may still be busy with an earlier client when the filling
  // starts (the next connection then finds a place): then the port is
  // drained and filled again, a few times at most.
  HttpReply busy;
  for (int attempt = 0; attempt < 4 && busy.status != 503; ++attempt) {
    if (attempt > 0) absl::SleepFor(absl::Seconds(6));  // every handler free again
    std::vector<std::unique_ptr<IdleConnection>> idle;
    // The handlers' share first, and time for them to take it: on a busy
    // machine (CI runs two tests at once) a burst could find the handler
    // threads not yet running, fill the waiting places with the handlers'
    // share and send the rest to the refusal thread, leaving room for the
    // probe below.
    for (int share : {kHttpThreads, kHttpWaiting}) {
      for (int i = 0; i < share; ++i) {
        idle.push_back(std::make_unique<IdleConnection>(cluster_->http_address()));
        ASSERT_TRUE(idle.back()->connected());
        idle.back()->Send("GET /v2/health/live HTTP/1.1\r\n");
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
    busy = HttpGet(cluster_->http_address(), "/v2/models/lenet5");
    // Probes go to the metrics port, which has threads of its own.
    EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/v2/health/live").status, 200);
    EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/v2/health/ready").status, 200);
  }  // the connections close: the handlers see it and are free again
  // ...within moments: the next case (and TearDown's query) needs them.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (HttpGet(cluster_->http_address(), "/v2/health/live").status == 503 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_THAT(JsonErrorOf(busy), HasSubstr("busy"));
  EXPECT_EQ(busy.headers["Retry-After"], "1");
}

TEST_F(HostileTest, KServeGrpcRefusesHugeShapesAndManyInputs) {
  inference::ModelInferRequest request;
  request.set_model_name("lenet5");
  auto* in = request.add_inputs();
  in->set_name("input");
  in->set_datatype("FP32");
  for (int64_t d : {int64_t{1} << 60, int64_t{0}, int64_t{28}, int64_t{28}}) in->add_shape(d);
  inference::ModelInferResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status s = kserve_->ModelInfer(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
}

TEST_F(HostileTest, TheWorkersPortRefusesMalformedInferCalls) {
  absl::StatusOr<v1::ClusterStatus> status = cluster_->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_GE(status->workers_size(), 1);
  auto worker = worker_rpc::Worker::NewStub(
      grpc::CreateChannel(status->workers(0).address(), grpc::InsecureChannelCredentials()));
  worker_rpc::InferRequest request;
  request.set_variant("lenet5_onnx_cpu1_b8");
  for (int i = 0; i < 100000; ++i) request.add_inputs()->set_raw_fp32("");
  worker_rpc::InferResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status s = worker->Infer(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("inputs holds more than 1024 entries"));
}

}  // namespace
}  // namespace infaas::testing
