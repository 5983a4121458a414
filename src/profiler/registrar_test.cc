// Registration end to end on real zoo models, a real SQLite file and a real
// repository folder.

#include "profiler/registrar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "backend/testing/zoo.h"
#include "common/files.h"
#include "repository/local_model_repository.h"
#include "store/sqlite_metadata_store.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;
using backend::testing::SourceDir;

class RegistrarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("infaas-registrar-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "repo");
    repo_ = *repository::LocalModelRepository::Open((dir_ / "repo").string());
    store_ = *store::SqliteMetadataStore::Open(dir_ / "infaas.db");
    options_.cores = 2;
    options_.profile = {.warmup_runs = 1,
                        .min_runs = 3,
                        .max_runs = 5,
                        .time_per_batch_size = absl::Milliseconds(10)};
  }
  void TearDown() override { fs::remove_all(dir_); }

  RegistrationRequest ZooRequest(const std::string& arch) {
    const fs::path folder = SourceDir() / "models/zoo" / arch;
    RegistrationRequest request;
    request.config_path = folder / "config.pbtxt";
    request.model_source = folder;
    request.validation_url = (SourceDir() / "models/zoo/validation").string();
    return request;
  }

  static RegistrationRequest UploadRequest(const fs::path& upload) {
    RegistrationRequest request;
    request.config_path = upload / "config.pbtxt";
    request.model_source = upload;
    return request;
  }

  absl::StatusOr<std::vector<v1::VariantRecord>> Register(const RegistrationRequest& request) {
    return RegisterModel(request, *repo_, *store_, options_,
                         [this](absl::string_view, double f) { fractions_.push_back(f); });
  }

  fs::path dir_;
  std::unique_ptr<repository::LocalModelRepository> repo_;
  std::unique_ptr<store::SqliteMetadataStore> store_;
  RegistrationOptions options_;
  std::vector<double> fractions_;
};

TEST_F(RegistrarTest, RegistersProfiledVariantsOfBothFrameworks) {
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(ZooRequest("linear"));
  ASSERT_TRUE(variants.ok()) << variants.status();
  ASSERT_GE(variants->size(), 4u);  // torchscript and onnx, batch 1 and 8, at least 1 thread
  const double declared = backend::LoadModelConfig(SourceDir() / "models/zoo/linear/config.pbtxt")
                              ->declared_accuracy_percent();
  bool saw_onnx = false, saw_torch = false;
  for (const v1::VariantRecord& r : *variants) {
    SCOPED_TRACE(r.config().name());
    saw_onnx |= r.config().framework() == v1::FRAMEWORK_ONNX;
    saw_torch |= r.config().framework() == v1::FRAMEWORK_TORCHSCRIPT;
    EXPECT_TRUE(absl::StartsWith(r.config().name(), "linear_"));
    EXPECT_EQ(r.repository_model(), "linear");
    EXPECT_GT(r.profile().load_latency_ms(), 0);
    EXPECT_GT(r.profile().peak_memory_bytes(), 0);
    ASSERT_GE(r.profile().latency_size(), 1);
    EXPECT_GT(r.profile().latency(0).median_ms(), 0);
    EXPECT_EQ(r.profile().validation_samples(), 500);
    // 500 of the 10k test images: within a few points of the 10k figure.
    EXPECT_NEAR(r.profile().accuracy_percent(), declared, 4.0);
    EXPECT_FALSE(r.files().empty());
    // The class names travel in the record: nothing on the query path reads a file.
    ASSERT_EQ(r.labels_size(), 10);
    EXPECT_EQ(r.labels(8), "Bag");
    EXPECT_TRUE(store_->GetVariant(r.config().name()).ok());
  }
  EXPECT_TRUE(saw_onnx && saw_torch);
  EXPECT_TRUE(repo_->VerifyModel("linear").ok());
  ASSERT_FALSE(fractions_.empty());
  EXPECT_TRUE(std::is_sorted(fractions_.begin(), fractions_.end()));
  EXPECT_DOUBLE_EQ(fractions_.back(), 1.0);
}

TEST_F(RegistrarTest, RecordsWithoutLabelsGetThemFromTheirLabelFileOnce) {
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(ZooRequest("linear"));
  ASSERT_TRUE(variants.ok()) << variants.status();
  // As a store written before records kept their labels.
  std::vector<v1::VariantRecord> old = *variants;
  for (v1::VariantRecord& r : old) r.clear_labels();
  ASSERT_TRUE(store_->PutVariants(old).ok());

  absl::StatusOr<int> filled = FillMissingLabels(*store_, repo_->root());
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, static_cast<int>(old.size()));
  for (const v1::VariantRecord& r : old) {
    absl::StatusOr<v1::VariantRecord> back = store_->GetVariant(r.config().name());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->labels_size(), 10);
  }
  EXPECT_EQ(*FillMissingLabels(*store_, repo_->root()), 0);  // nothing left to fill
}

TEST_F(RegistrarTest, RegisteringTheSameModelTwiceIsAlreadyExists) {
  ASSERT_TRUE(Register(ZooRequest("linear")).ok());
  absl::StatusOr<std::vector<v1::VariantRecord>> again = Register(ZooRequest("linear"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(again.status().message(), "linear")) << again.status();
}

TEST_F(RegistrarTest, AnArchitectureOfAnotherModelIsAlreadyExistsAndItsVariantsStay) {
  RegistrationRequest owned = UploadRequest(SourceDir() / "models/zoo/linear");
  owned.owner_tenant = "acme";
  absl::StatusOr<std::vector<v1::VariantRecord>> first = Register(owned);
  ASSERT_TRUE(first.ok()) << first.status();
  for (const v1::VariantRecord& r : *first) {
    EXPECT_EQ(r.owner_tenant(), "acme");
    EXPECT_FALSE(r.is_public());
  }
  const fs::path upload = dir_ / "upload";
  fs::copy(SourceDir() / "models/zoo/linear", upload);
  std::string config = *ReadFile(upload / "config.pbtxt");
  const std::string original = "name: \"linear\"";
  config.replace(config.find(original), original.size(), "name: \"thief\"");
  ASSERT_TRUE(WriteFileAtomically(upload / "config.pbtxt", config).ok());
  absl::StatusOr<std::vector<v1::VariantRecord>> second = Register(UploadRequest(upload));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "architecture \"linear\""))
      << second.status();
  // Another tenant is refused without learning whose model holds the name.
  RegistrationRequest other = UploadRequest(upload);
  other.owner_tenant = "globex";
  absl::StatusOr<std::vector<v1::VariantRecord>> third = Register(other);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(third.status().message(), "\"linear\" is taken")) << third.status();
  EXPECT_FALSE(absl::StrContains(third.status().message(), "(linear)")) << third.status();
  EXPECT_FALSE(absl::StrContains(third.status().message(), "acme")) << third.status();
  for (const v1::VariantRecord& r : *first) {
    absl::StatusOr<v1::VariantRecord> kept = store_->GetVariant(r.config().name());
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->repository_model(), "linear");
    EXPECT_EQ(kept->owner_tenant(), "acme");
  }
}

TEST_F(RegistrarTest, ACorruptModelFileLeavesNothingRegistered) {
  const fs::path upload = dir_ / "upload";
  fs::copy(SourceDir() / "models/zoo/linear", upload);
  const std::string bytes = *ReadFile(upload / "linear.pt");
  ASSERT_TRUE(WriteFileAtomically(upload / "linear.pt", bytes.substr(0, bytes.size() / 3)).ok());
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(UploadRequest(upload));
  EXPECT_FALSE(variants.ok());
  EXPECT_TRUE(absl::StrContains(variants.status().message(), "linear")) << variants.status();
  EXPECT_TRUE(repo_->ListModels()->empty());
  EXPECT_TRUE(store_->ListVariants({})->empty());
}

TEST_F(RegistrarTest, AConfigNamingAMissingFileIsRejectedBeforeCopying) {
  const fs::path upload = dir_ / "upload";
  fs::copy(SourceDir() / "models/zoo/linear", upload);
  fs::remove(upload / "linear.pt");
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = Register(UploadRequest(upload));
  EXPECT_EQ(variants.status().code(), absl::StatusCode::kInvalidArgument) << variants.status();
  EXPECT_TRUE(absl::StrContains(variants.status().message(), "linear.pt")) << variants.status();
  EXPECT_TRUE(repo_->ListModels()->empty());
}

// The zoo's recorded accuracy is what the profiler measures on all 10k test
// images of the published dataset.
TEST(RecordedAccuracyTest, MatchesAFreshMeasurementOnTheWholeTestSet) {
  const fs::path folder = SourceDir() / "models/zoo/lenet5";
  absl::StatusOr<v1::ModelConfig> config = backend::LoadModelConfig(folder / "config.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  const fs::path dataset = "/usr/share/datasets/fashion-mnist";
  absl::StatusOr<ValidationSet> test_set =
      LoadValidationSet(absl::StrCat((dataset / "t10k-images-idx3-ubyte.gz").string(), ",",
                                     (dataset / "t10k-labels-idx1-ubyte.gz").string()),
                        {});
  ASSERT_TRUE(test_set.ok()) << test_set.status();
  ASSERT_EQ(test_set->examples.size(), 10000u);
  absl::StatusOr<InstanceMeasurement> m = MeasureInstance(
      *config, folder, 2, {.warmup_runs = 1, .min_runs = 1, .max_runs = 1}, &*test_set);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->validation_samples, 10000);
  EXPECT_NEAR(m->accuracy_percent, config->declared_accuracy_percent(), 0.3);
}

}  // namespace
}  // namespace infaas::profiler
