#include "profiler/validation_set.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backend/testing/zoo.h"
#include "common/files.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;
using backend::testing::SourceDir;

std::vector<std::string> ZooLabels() {
  return *ReadLabelFile((SourceDir() / "models/zoo/labels.txt").string());
}

TEST(LabelFromFileNameTest, MatchesIgnoringCaseAndPunctuation) {
  const std::vector<std::string> labels = ZooLabels();
  ASSERT_EQ(labels.size(), 10u);
  EXPECT_EQ(LabelFromFileName("ankle_boot_0000.png", labels), 9);
  EXPECT_EQ(LabelFromFileName("tshirt_top_0019.png", labels), 0);
  EXPECT_EQ(LabelFromFileName("T-Shirt-Top-x.jpg", labels), 0);
  EXPECT_EQ(LabelFromFileName("shirt_0004.png", labels), 6);
  EXPECT_EQ(LabelFromFileName("giraffe_1.png", labels), -1);
}

TEST(LabelFromFileNameTest, PrefersTheLongestMatchingLabel) {
  EXPECT_EQ(LabelFromFileName("catfish_1.png", {"cat", "catfish"}), 1);
}

TEST(ValidationSetTest, LoadsTheCommittedIdxSubset) {
  absl::StatusOr<ValidationSet> set =
      LoadValidationSet((SourceDir() / "models/zoo/validation").string(), {});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->examples.size(), 500u);
  for (const auto& e : set->examples) {
    ASSERT_GE(e.label, 0);
    ASSERT_LT(e.label, 10);
  }
  absl::StatusOr<ValidationSet> limited =
      LoadValidationSet((SourceDir() / "models/zoo/validation").string(), {}, 20);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->examples.size(), 20u);
}

TEST(ValidationSetTest, LoadsAFolderOfClassNamedImages) {
  absl::StatusOr<ValidationSet> set =
      LoadValidationSet((SourceDir() / "models/zoo/samples").string(), ZooLabels());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->examples.size(), 12u);
  EXPECT_EQ(set->examples[0].label, 9);  // ankle_boot_0000.png sorts first
}

TEST(ValidationSetTest, ReadsTheGzippedDatasetAsPublished) {
  const fs::path dataset = "/usr/share/datasets/fashion-mnist";
  absl::StatusOr<ValidationSet> set =
      LoadValidationSet(absl::StrCat((dataset / "t10k-images-idx3-ubyte.gz").string(), ",",
                                     (dataset / "t10k-labels-idx1-ubyte.gz").string()),
                        {}, 100);
  ASSERT_TRUE(set.ok()) << set.status() << " (scripts/install-deps.sh installs the dataset)";
  EXPECT_EQ(set->examples.size(), 100u);
}

class BadValidationSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("infaas-validation-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BadValidationSetTest, AWrongIdxHeaderIsNamed) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "images-idx3-ubyte", std::string(64, '\0')).ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ / "labels-idx1-ubyte", std::string(64, '\0')).ok());
  absl::StatusOr<ValidationSet> set = LoadValidationSet(dir_.string(), {});
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(set.status().message(), "images-idx3-ubyte")) << set.status();
}

TEST_F(BadValidationSetTest, AnImageWithoutAClassNameIsRejected) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "unknown_1.png", "x").ok());
  absl::StatusOr<ValidationSet> set = LoadValidationSet(dir_.string(), ZooLabels());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(set.status().message(), "unknown_1.png")) << set.status();
}

TEST_F(BadValidationSetTest, AMissingFolderIsNotFound) {
  EXPECT_EQ(LoadValidationSet((dir_ / "nope").string(), {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace infaas::profiler
