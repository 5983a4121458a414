#include "backend/onnx_compat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "backend/backend.h"
#include "backend/preprocess.h"
#include "backend/testing/zoo.h"
#include "common/status_macros.h"

namespace infaas::backend {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A seeded [n,3,224,224] batch like a normalised image.
Tensor ProbeBatch(int n) {
  Tensor batch = Tensor::Zeros({n, 3, 224, 224});
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : batch.data) v = normal(rng);
  return batch;
}

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  float most = 0;
  for (size_t i = 0; i < std::min(a.data.size(), b.data.size()); ++i) {
    most = std::max(most, std::abs(a.data[i] - b.data[i]));
  }
  return most;
}

absl::StatusOr<Tensor> RunFile(v1::Framework framework, const std::filesystem::path& dir,
                               const std::string& file, const Tensor& batch) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(framework));
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
                   backend->Load(testing::ByomConfig(framework, file), dir, {}));
  return model->Run(batch);
}

// The rewritten form of ByomDir()/relative, written to a scratch folder.
std::filesystem::path Rewritten(const std::filesystem::path& relative, OnnxRewrite* out) {
  absl::StatusOr<OnnxRewrite> rewrite =
      RewriteOnnxForOpenCv(testing::ReadBytes(testing::ByomDir() / relative));
  EXPECT_TRUE(rewrite.ok()) << rewrite.status();
  if (!rewrite.ok()) return {};
  const std::filesystem::path dir = testing::NewScratchDir("onnx_rewrite");
  testing::WriteBytes(dir / "model.onnx", rewrite->model_bytes);
  *out = *std::move(rewrite);
  return dir;
}

TEST(OnnxCompatTest, AFileAsTheExporterWritesItIsRefusedNamingTheOperatorNodeAndOpset) {
  absl::StatusOr<Tensor> out =
      RunFile(v1::FRAMEWORK_ONNX, testing::ByomDir(), "mobilenet_tiny.onnx", ProbeBatch(1));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), AllOf(HasSubstr("ONNX operator "), HasSubstr("(node \""),
                                            HasSubstr("opset 14"), HasSubstr("docs/models.md")));
}

TEST(OnnxCompatTest, TheRewrittenFileLoadsAndComputesWhatPyTorchComputes) {
  OnnxRewrite rewrite;
  const std::filesystem::path dir = Rewritten("mobilenet_tiny.onnx", &rewrite);
  EXPECT_EQ(rewrite.opset, 14);
  EXPECT_THAT(rewrite.changes,
              ElementsAre(HasSubstr("10 Constant nodes to initializers"),
                          HasSubstr("folded 1 Identity node"),
                          HasSubstr("5 Clip nodes: constant min/max inputs to attributes"),
                          HasSubstr("unused initializer")));
  const Tensor batch = ProbeBatch(2);
  absl::StatusOr<Tensor> onnx = RunFile(v1::FRAMEWORK_ONNX, dir, "model.onnx", batch);
  ASSERT_TRUE(onnx.ok()) << onnx.status();
  absl::StatusOr<Tensor> torch =
      RunFile(v1::FRAMEWORK_TORCHSCRIPT, testing::ByomDir(), "mobilenet_tiny.pt", batch);
  ASSERT_TRUE(torch.ok()) << torch.status();
  EXPECT_THAT(onnx->shape, ElementsAre(2, 1000));
  EXPECT_LT(MaxAbsDiff(*onnx, *torch), 1e-4);
}

TEST(OnnxCompatTest, EveryOpsetFrom7To17IsAcceptedAfterRewriting) {
  const Tensor batch = ProbeBatch(1);
  absl::StatusOr<Tensor> torch =
      RunFile(v1::FRAMEWORK_TORCHSCRIPT, testing::ByomDir(), "mobilenet_tiny.pt", batch);
  ASSERT_TRUE(torch.ok()) << torch.status();
  for (int opset = 7; opset <= 17; ++opset) {
    SCOPED_TRACE(absl::StrCat("opset ", opset));
    OnnxRewrite rewrite;
    const std::filesystem::path dir = Rewritten(
        std::filesystem::path("opsets") / absl::StrCat("opset", opset, ".onnx"), &rewrite);
    EXPECT_EQ(rewrite.opset, opset);
    EXPECT_TRUE(rewrite.changed());
    absl::StatusOr<Tensor> onnx = RunFile(v1::FRAMEWORK_ONNX, dir, "model.onnx", batch);
    ASSERT_TRUE(onnx.ok()) << onnx.status();
    EXPECT_LT(MaxAbsDiff(*onnx, *torch), 1e-4);
  }
}

TEST(OnnxCompatTest, ARewrittenFileNeedsNoFurtherRewriting) {
  OnnxRewrite first;
  const std::filesystem::path dir = Rewritten("mobilenet_tiny.onnx", &first);
  absl::StatusOr<OnnxRewrite> again = RewriteOnnxForOpenCv(first.model_bytes);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->changed());
  EXPECT_THAT(again->model_bytes, IsEmpty());
}

TEST(OnnxCompatTest, TracedAndScriptedTorchScriptGiveTheSameOutputs) {
  const Tensor batch = ProbeBatch(2);
  absl::StatusOr<Tensor> scripted =
      RunFile(v1::FRAMEWORK_TORCHSCRIPT, testing::ByomDir(), "mobilenet_tiny.pt", batch);
  absl::StatusOr<Tensor> traced =
      RunFile(v1::FRAMEWORK_TORCHSCRIPT, testing::ByomDir(), "mobilenet_tiny_traced.pt", batch);
  ASSERT_TRUE(scripted.ok()) << scripted.status();
  ASSERT_TRUE(traced.ok()) << traced.status();
  EXPECT_LT(MaxAbsDiff(*scripted, *traced), 1e-5);
}

TEST(OnnxCompatTest, TheSignatureNamesTheInputAndOutputWithTheirShapes) {
  absl::StatusOr<OnnxSignature> signature =
      OnnxSignatureOf(testing::ReadBytes(testing::ByomDir() / "mobilenet_tiny.onnx"));
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(signature->opset, 14);
  ASSERT_EQ(signature->inputs.size(), 1u);
  EXPECT_EQ(signature->inputs[0].name, "input");
  EXPECT_THAT(signature->inputs[0].dims, ElementsAre(-1, 3, 224, 224));
  ASSERT_EQ(signature->outputs.size(), 1u);
  EXPECT_EQ(signature->outputs[0].name, "logits");
  EXPECT_THAT(signature->outputs[0].dims, ElementsAre(-1, 1000));
}

TEST(OnnxCompatTest, TheZooAndTheHandMadeModelDeclareOneInputWithAVariableBatch) {
  for (const std::filesystem::path& file :
       {testing::ZooDir() / "lenet5" / "lenet5.onnx",
        testing::SourceDir() / "src" / "backend" / "testdata" / "hardmax.onnx"}) {
    SCOPED_TRACE(file.string());
    absl::StatusOr<OnnxSignature> signature = OnnxSignatureOf(testing::ReadBytes(file));
    ASSERT_TRUE(signature.ok()) << signature.status();
    ASSERT_EQ(signature->inputs.size(), 1u);
    EXPECT_THAT(signature->inputs[0].dims, ElementsAre(-1, 1, 28, 28));
  }
}

TEST(OnnxCompatTest, ATruncatedFileIsRefused) {
  const std::string bytes = testing::ReadBytes(testing::ZooDir() / "lenet5" / "lenet5.onnx");
  EXPECT_FALSE(OnnxSignatureOf(bytes.substr(0, bytes.size() / 2)).ok());
  EXPECT_FALSE(RewriteOnnxForOpenCv(bytes.substr(0, bytes.size() / 2)).ok());
}

TEST(OnnxCompatTest, BytesThatAreNotOnnxAreRefused) {
  for (const std::string& bytes : {std::string(), std::string("not a model at all \xff\xff")}) {
    absl::StatusOr<OnnxRewrite> rewrite = RewriteOnnxForOpenCv(bytes);
    ASSERT_FALSE(rewrite.ok());
    EXPECT_THAT(rewrite.status().message(), HasSubstr("is not an ONNX model"));
    EXPECT_FALSE(OnnxSignatureOf(bytes).ok());
  }
}

// A one-node graph y = op(x, extra inputs...).
std::string OneNodeModel(const std::string& op, const std::string& domain,
                         const std::vector<std::string>& extra_inputs) {
  onnx::ModelProto model;
  model.add_opset_import()->set_version(13);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.add_input()->set_name("x");
  graph.add_output()->set_name("y");
  onnx::NodeProto& node = *graph.add_node();
  node.set_name("the_node");
  node.set_op_type(op);
  node.set_domain(domain);
  node.add_input("x");
  for (const std::string& in : extra_inputs) node.add_input(in);
  node.add_output("y");
  return model.SerializeAsString();
}

TEST(OnnxCompatTest, ACustomDomainOperatorIsRefusedByName) {
  absl::StatusOr<OnnxRewrite> rewrite =
      RewriteOnnxForOpenCv(OneNodeModel("FancyOp", "com.example", {}));
  ASSERT_FALSE(rewrite.ok());
  EXPECT_THAT(rewrite.status().message(),
              AllOf(HasSubstr("ONNX operator FancyOp"), HasSubstr("node \"the_node\""),
                    HasSubstr("domain \"com.example\""), HasSubstr("opset 13")));
}

TEST(OnnxCompatTest, AClipWhoseBoundsAreComputedIsRefusedByNode) {
  // "lo" is another graph input: known only at run time.
  absl::StatusOr<OnnxRewrite> rewrite = RewriteOnnxForOpenCv(OneNodeModel("Clip", "", {"lo"}));
  ASSERT_FALSE(rewrite.ok());
  EXPECT_THAT(rewrite.status().message(),
              AllOf(HasSubstr("Clip (node \"the_node\", opset 13)"), HasSubstr("min from \"lo\""),
                    HasSubstr("computed at run time")));
}

TEST(OnnxCompatTest, AnOpenCvImportErrorIsTurnedIntoTheOperatorNodeAndOpset) {
  EXPECT_EQ(DescribeUnsupportedOnnxNode(
                "error: (-2) in function 'handleNode'\n> Node [Foo@ai.onnx]:(onnx_node!Foo_3) "
                "parse error: unknown layer",
                15),
            "ONNX operator Foo (node \"onnx_node!Foo_3\", opset 15) is not supported by the ONNX "
            "backend (OpenCV 4.6 DNN) in this form");
  EXPECT_EQ(DescribeUnsupportedOnnxNode("some other failure", 15), "");
  EXPECT_EQ(DescribeUnsupportedOnnxNode("Node [Foo", 15), "");
}

TEST(ImageNetPreprocessTest, TheSampleJpegGivesWhatPyTorchGaveOnItsOwnPreprocessing) {
  // expected.txt came from PyTorch on the sample preprocessed in Python
  // (resize shorter side 256, centre 224 crop): equal logits mean equal
  // preprocessing.
  const v1::ModelConfig config =
      testing::ByomConfig(v1::FRAMEWORK_TORCHSCRIPT, "mobilenet_tiny.pt");
  absl::StatusOr<Tensor> example =
      DecodeImageInput(testing::ReadBytes(testing::ByomDir() / "sample.jpg"), config, 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(3, 224, 224));
  absl::StatusOr<Tensor> batch = StackExamples({*example});
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<Tensor> logits =
      RunFile(v1::FRAMEWORK_TORCHSCRIPT, testing::ByomDir(), "mobilenet_tiny.pt", *batch);
  ASSERT_TRUE(logits.ok()) << logits.status();
  const std::vector<float> expected = testing::ByomExpectedLogits();
  ASSERT_EQ(expected.size(), 1000u);
  ASSERT_EQ(logits->data.size(), 1000u);
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NEAR(logits->data[i], expected[i], 1e-4) << "class " << i;
  }
}

}  // namespace
}  // namespace infaas::backend
