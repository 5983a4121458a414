// Registering a model as a user brings it (models/byom/mobilenet_tiny): a
// config without tensor shapes, an ONNX file as the exporter wrote it, a
// TorchScript file beside it. Real files, a real SQLite file, a real
// repository folder.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backend/testing/zoo.h"
#include "common/files.h"
#include "profiler/framework_agreement.h"
#include "profiler/profiler.h"
#include "profiler/registrar.h"
#include "repository/local_model_repository.h"
#include "store/sqlite_metadata_store.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ByomRegistrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = backend::testing::NewScratchDir("byom");
    fs::create_directories(dir_ / "repo");
    repo_ = *repository::LocalModelRepository::Open((dir_ / "repo").string());
    store_ = *store::SqliteMetadataStore::Open(dir_ / "infaas.db");
    options_.cores = 1;
    options_.profile.min_runs = 2;
    options_.profile.max_runs = 3;
    options_.profile.time_per_batch_size = absl::Milliseconds(5);
  }

  // A copy of the shipped upload with only `files` (and the config, labels).
  fs::path Upload(const std::vector<std::string>& files) {
    const fs::path upload = dir_ / "upload";
    fs::create_directories(upload);
    for (const std::string& f : std::vector<std::string>{"config.pbtxt", "labels.txt"}) {
      fs::copy_file(backend::testing::ByomDir() / f, upload / f);
    }
    for (const std::string& f : files) fs::copy_file(backend::testing::ByomDir() / f, upload / f);
    return upload;
  }

  absl::StatusOr<std::vector<v1::VariantRecord>> Register(const fs::path& upload) {
    RegistrationRequest request;
    request.config_path = upload / "config.pbtxt";
    request.model_source = upload;
    return RegisterModel(
        request, *repo_, *store_, options_, [](absl::string_view, double) {},
        [this](absl::string_view note) { notes_.emplace_back(note); });
  }

  fs::path dir_;
  std::unique_ptr<repository::LocalModelRepository> repo_;
  std::unique_ptr<store::SqliteMetadataStore> store_;
  RegistrationOptions options_;
  std::vector<std::string> notes_;
};

TEST_F(ByomRegistrationTest, AnExportedOnnxFileIsRewrittenCheckedAndServedBesideTheOriginal) {
  absl::StatusOr<std::vector<v1::VariantRecord>> variants =
      Register(Upload({"mobilenet_tiny.pt", "mobilenet_tiny.onnx"}));
  ASSERT_TRUE(variants.ok()) << variants.status();
  EXPECT_THAT(notes_, Contains(HasSubstr("input \"input\" [3,224,224] read from "
                                         "mobilenet_tiny.onnx")));
  EXPECT_THAT(notes_, Contains(HasSubstr("output \"logits\" [1000] read from "
                                         "mobilenet_tiny.onnx")));
  EXPECT_THAT(notes_, Contains(AllOf(HasSubstr("mobilenet_tiny.onnx (opset 14) rewritten"),
                                     HasSubstr("mobilenet_tiny.opencv.onnx"),
                                     HasSubstr("folded 1 Identity node"),
                                     HasSubstr("the original is kept"))));
  EXPECT_THAT(notes_, Contains(HasSubstr("the 2 framework files agree on a probe input")));
  EXPECT_THAT(notes_, Contains(HasSubstr("profiled 2 instances in")));
  bool saw_onnx = false;
  for (const v1::VariantRecord& r : *variants) {
    SCOPED_TRACE(r.config().name());
    EXPECT_THAT(r.config().input().dims(), ElementsAre(3, 224, 224));
    EXPECT_THAT(r.config().output().dims(), ElementsAre(1000));
    EXPECT_EQ(r.labels_size(), 1000);
    std::vector<std::string> paths;
    for (const v1::ModelFile& f : r.files()) paths.push_back(f.path());
    EXPECT_THAT(paths,
                AllOf(Contains("mobilenet_tiny.onnx"), Contains("mobilenet_tiny.opencv.onnx")));
    if (r.config().framework() == v1::FRAMEWORK_ONNX) {
      saw_onnx = true;
      EXPECT_EQ(r.config().model_file(), "mobilenet_tiny.opencv.onnx");
    }
  }
  EXPECT_TRUE(saw_onnx);
  EXPECT_TRUE(repo_->VerifyModel("mobilenet_tiny").ok());
}

TEST_F(ByomRegistrationTest, ATorchScriptFileAloneGetsItsShapesFromPreprocessingAndARun) {
  absl::StatusOr<std::vector<v1::VariantRecord>> variants =
      Register(Upload({"mobilenet_tiny_traced.pt"}));
  // The config names mobilenet_tiny.pt: point it at the traced file.
  ASSERT_FALSE(variants.ok());
  EXPECT_THAT(variants.status().message(), HasSubstr("model_file"));
  const fs::path upload = dir_ / "upload";
  fs::rename(upload / "mobilenet_tiny_traced.pt", upload / "mobilenet_tiny.pt");
  notes_.clear();
  variants = Register(upload);
  ASSERT_TRUE(variants.ok()) << variants.status();
  EXPECT_THAT(notes_, Contains(HasSubstr("input dims [3,224,224] taken from the preprocessing")));
  EXPECT_THAT(notes_,
              Contains(HasSubstr("output \"output\" [1000] measured by running the model")));
  for (const v1::VariantRecord& r : *variants) {
    EXPECT_EQ(r.config().framework(), v1::FRAMEWORK_TORCHSCRIPT);
    EXPECT_THAT(r.config().output().dims(), ElementsAre(1000));
  }
}

TEST_F(ByomRegistrationTest, FilesThatComputeDifferentFunctionsAreRefusedAndNothingIsKept) {
  const fs::path upload = Upload({"mobilenet_tiny.pt"});
  // The ONNX export of the same graph with one bias changed.
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(
      backend::testing::ReadBytes(backend::testing::ByomDir() / "mobilenet_tiny.onnx")));
  bool changed = false;
  for (onnx::TensorProto& t : *model.mutable_graph()->mutable_initializer()) {
    if (t.name() == "classifier.bias" && t.raw_data().size() >= 4) {
      std::string raw = t.raw_data();
      const float value = 5.0f;
      std::memcpy(raw.data(), &value, sizeof value);
      t.set_raw_data(raw);
      changed = true;
    }
  }
  ASSERT_TRUE(changed) << "no classifier.bias initializer in the shipped ONNX file";
  backend::testing::WriteBytes(upload / "mobilenet_tiny.onnx", model.SerializeAsString());

  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(upload);
  ASSERT_FALSE(variants.ok());
  EXPECT_EQ(variants.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(variants.status().message(),
              AllOf(HasSubstr("mobilenet_tiny.pt and mobilenet_tiny.opencv.onnx disagree"),
                    HasSubstr("output 0 is")));
  EXPECT_FALSE(repo_->GetModel("mobilenet_tiny").ok());
  EXPECT_TRUE(store_->ListVariants({})->empty());
}

TEST_F(ByomRegistrationTest, AnOnnxFileWithACustomOperatorIsRefusedByName) {
  const fs::path upload = Upload({"mobilenet_tiny.pt"});
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(
      backend::testing::ReadBytes(backend::testing::ByomDir() / "mobilenet_tiny.onnx")));
  model.mutable_graph()->mutable_node(3)->set_domain("com.example");
  backend::testing::WriteBytes(upload / "mobilenet_tiny.onnx", model.SerializeAsString());
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(upload);
  ASSERT_FALSE(variants.ok());
  EXPECT_THAT(variants.status().message(), AllOf(HasSubstr("mobilenet_tiny.onnx: ONNX operator"),
                                                 HasSubstr("com.example"), HasSubstr("opset 14")));
  EXPECT_FALSE(repo_->GetModel("mobilenet_tiny").ok());
}

TEST(MedianIsKnownTest, TightSamplesPinTheMedianAndSpreadOnesDoNot) {
  EXPECT_TRUE(MedianIsKnown({100, 101, 99}, 0.05));
  EXPECT_FALSE(MedianIsKnown({100, 150, 60}, 0.05));
  EXPECT_FALSE(MedianIsKnown({}, 0.05));
  // Many samples: a few outliers do not move the median's interval.
  std::vector<double> samples(200, 10.0);
  for (int i = 0; i < 10; ++i) samples[i] = 50.0;
  EXPECT_TRUE(MedianIsKnown(samples, 0.05));
  std::vector<double> uniform;
  for (int i = 0; i < 200; ++i) uniform.push_back(5.0 + i * 0.05);  // 5..15
  EXPECT_FALSE(MedianIsKnown(uniform, 0.05));
}

}  // namespace
}  // namespace infaas::profiler
