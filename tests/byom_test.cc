// Bring your own model, end to end: models/byom/mobilenet_tiny (an
// ImageNet-shaped model exported the way current exporters write it, a config
// without tensor shapes) registered through the real CLI with a running
// master, then a JPEG served through the three model-less query forms and
// the KServe v2 HTTP API. Every answer must equal PyTorch's own logits for
// the same image preprocessed in Python by the documented rule (numpy, with
// OpenCV's resize kernel; expected.txt), within
// 1e-4: decoding, resize of the shorter side, centre crop, mean/std and both
// engines are all on the path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "backend/testing/zoo.h"
#include "common/files.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ByomTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = TestCluster::Start({.workers = 1, .zoo_models = {}});
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
    // As a user types it: the shipped config, the folder beside it.
    const fs::path output = cluster_->dir() / "register.out";
    const std::string command =
        absl::StrCat((TestCluster::BinaryDir() / "bin/infaas").string(), " register ",
                     (backend::testing::ByomDir() / "config.pbtxt").string(), " --master ",
                     cluster_->master_address(), " > ", output.string(), " 2>&1");
    register_rc_ = std::system(command.c_str());
    register_output_ = ReadFile(output).value_or("");
  }
  static void TearDownTestSuite() { delete cluster_; }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(register_rc_, 0) << register_output_;
  }

  absl::StatusOr<v1::QueryOnlineResponse> Query(v1::QueryOnlineRequest request) {
    request.add_inputs()->set_encoded_image(ReadBytes(backend::testing::ByomDir() / "sample.jpg"));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    v1::QueryOnlineResponse response;
    grpc::Status s = cluster_->api()->QueryOnline(&context, request, &response);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
    return response;
  }

  static void ExpectPyTorchsLogits(const std::vector<float>& logits) {
    const std::vector<float> expected = backend::testing::ByomExpectedLogits();
    ASSERT_EQ(expected.size(), 1000u);
    ASSERT_EQ(logits.size(), expected.size());
    float most = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      most = std::max(most, std::abs(logits[i] - expected[i]));
    }
    EXPECT_LT(most, 1e-4);
  }

  static TestCluster* cluster_;
  static int register_rc_;
  static std::string register_output_;
};

TestCluster* ByomTest::cluster_ = nullptr;
int ByomTest::register_rc_ = -1;
std::string ByomTest::register_output_;

TEST_F(ByomTest, RegistrationSaysWhatItInferredRewroteAndChecked) {
  EXPECT_THAT(register_output_,
              AllOf(HasSubstr("input \"input\" [3,224,224] read from mobilenet_tiny.onnx"),
                    HasSubstr("output \"logits\" [1000] read from mobilenet_tiny.onnx"),
                    HasSubstr("rewritten for the ONNX backend as mobilenet_tiny.opencv.onnx"),
                    HasSubstr("framework files agree on a probe input"), HasSubstr("profiled "),
                    HasSubstr("SUCCEEDED")));
}

TEST_F(ByomTest, EveryQueryFormServesTheJpegAsPyTorchDoes) {
  std::vector<std::pair<std::string, v1::QueryOnlineRequest>> forms;
  for (const char* variant :
       {"mobilenet_tiny_torchscript_cpu1_b1", "mobilenet_tiny_onnx_cpu1_b1"}) {
    v1::QueryOnlineRequest r;
    r.set_variant(variant);
    forms.emplace_back(variant, r);
  }
  v1::QueryOnlineRequest by_architecture;
  by_architecture.set_architecture("mobilenet_tiny");
  by_architecture.set_latency_slo_ms(5000);
  forms.emplace_back("architecture", by_architecture);
  v1::QueryOnlineRequest by_task;
  by_task.set_task("classification");
  by_task.set_dataset("imagenet-untrained");
  by_task.set_latency_slo_ms(5000);
  forms.emplace_back("task and dataset", by_task);

  for (const auto& [form, request] : forms) {
    SCOPED_TRACE(form);
    absl::StatusOr<v1::QueryOnlineResponse> answer = Query(request);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ASSERT_EQ(answer->outputs_size(), 1);
    const std::vector<float> logits(answer->outputs(0).values().begin(),
                                    answer->outputs(0).values().end());
    ExpectPyTorchsLogits(logits);
    // The 1,000-line label file names the top class.
    ASSERT_EQ(answer->labels_size(), 1000);
    const int top =
        static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    EXPECT_EQ(answer->labels(top), absl::StrCat("synthetic class ", top, ", untrained ", top));
  }
}

TEST_F(ByomTest, KServeServesTheJpegAsPyTorchDoes) {
  const json request = {
      {"inputs",
       {{{"name", "input"},
         {"shape", {1}},
         {"datatype", "BYTES"},
         {"parameters", {{"content_type", "base64"}}},
         {"data", {absl::Base64Escape(ReadBytes(backend::testing::ByomDir() / "sample.jpg"))}}}}}};
  HttpReply reply =
      HttpPost(cluster_->http_address(), "/v2/models/mobilenet_tiny/infer", request.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json answer = json::parse(reply.body);
  ASSERT_EQ(answer["outputs"].size(), 1u) << reply.body;
  ExpectPyTorchsLogits(answer["outputs"][0]["data"].get<std::vector<float>>());
}

// docs/models.md's worked example, its config exactly as written, with
// mobilenet_tiny's files under resnet50's names (a real ResNet-50 is 100 MB
// per format: bench/imagenet registers those).
TEST_F(ByomTest, TheWorkedExampleOfDocsModelsMdRegistersAndAnswers) {
  const std::string doc = ReadFile(TestCluster::SourceDir() / "docs/models.md").value_or("");
  const size_t marker = doc.find("<!-- worked-example-config -->");
  ASSERT_NE(marker, std::string::npos) << "docs/models.md lost its worked-example marker";
  const size_t start = doc.find("```\n", marker) + 4;
  const size_t end = doc.find("\n```", start);
  ASSERT_LT(start, end);
  const std::string config = doc.substr(start, end - start + 1);
  ASSERT_THAT(config, HasSubstr("name: \"resnet50\""));

  const fs::path folder = cluster_->dir() / "resnet50";
  fs::create_directories(folder);
  ASSERT_TRUE(WriteFileAtomically(folder / "config.pbtxt", config).ok());
  const fs::path tiny = backend::testing::ByomDir();
  fs::copy_file(tiny / "mobilenet_tiny.pt", folder / "resnet50.pt");
  fs::copy_file(tiny / "mobilenet_tiny.onnx", folder / "resnet50.onnx");
  fs::copy_file(tiny / "labels.txt", folder / "labels.txt");

  const std::string cli = (TestCluster::BinaryDir() / "bin/infaas").string();
  const std::string master = " --master " + cluster_->master_address();
  const fs::path out = cluster_->dir() / "example.out";
  const auto run = [&](const std::string& args) {
    const int rc =
        std::system(absl::StrCat(cli, " ", args, master, " > ", out.string(), " 2>&1").c_str());
    return std::make_pair(rc, ReadFile(out).value_or(""));
  };
  auto [registered, register_output] = run("register " + (folder / "config.pbtxt").string());
  ASSERT_EQ(registered, 0) << register_output;
  EXPECT_THAT(register_output, HasSubstr("resnet50.onnx (opset 14) rewritten"));
  // The page's query by architecture, on the example's JPEG.
  auto [answered, answer] = run("query -a resnet50 -l 500 -i " + (tiny / "sample.jpg").string());
  ASSERT_EQ(answered, 0) << answer;
  const std::vector<float> expected = backend::testing::ByomExpectedLogits();
  const int top =
      static_cast<int>(std::max_element(expected.begin(), expected.end()) - expected.begin());
  EXPECT_THAT(answer, HasSubstr(absl::StrCat("synthetic class ", top, ", untrained ", top)));
}

}  // namespace
}  // namespace infaas::testing
