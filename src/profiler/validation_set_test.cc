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

std::string BigEndian(std::initializer_list<uint32_t> words) {
  std::string out;
  for (uint32_t w : words) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(w >> shift));
  }
  return out;
}

// 2^16 images of 2^24 x 2^24 pixels: count * rows * cols wraps to 0, so the
// length check once passed and the reader ran off the end of the file.
TEST(ParseIdxPairTest, SidesThatWouldOverflowTheSizeAreRefusedBeforeAnyRead) {
  const std::string images = BigEndian({0x803, 1u << 16, 1u << 24, 1u << 24});
  const std::string labels = BigEndian({0x801, 1u << 16}) + std::string(1 << 16, '\0');
  absl::StatusOr<ValidationSet> set = ParseIdxPair(images, labels, "images", "labels");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(set.status().message(), "each side must be 1..4096"))
      << set.status();
}

TEST(ParseIdxPairTest, EmptyImagesAreRefused) {
  const std::string images = BigEndian({0x803, 1, 0, 28});
  const std::string labels = BigEndian({0x801, 1}) + "\x03";
  EXPECT_EQ(ParseIdxPair(images, labels, "images", "labels").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseIdxPairTest, ReadsEachImageAndItsLabel) {
  const std::string images = BigEndian({0x803, 2, 2, 3}) + std::string(12, '\x7f');
  const std::string labels = BigEndian({0x801, 2}) + "\x03\x09";
  absl::StatusOr<ValidationSet> set = ParseIdxPair(images, labels, "images", "labels");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->examples.size(), 2u);
  EXPECT_EQ(set->examples[1].label, 9);
  EXPECT_TRUE(absl::StartsWith(set->examples[0].encoded_image, "\x89PNG"));
  EXPECT_EQ(ParseIdxPair(images.substr(0, 20), labels, "images", "labels").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(BadValidationSetTest, AMissingFolderIsNotFound) {
  EXPECT_EQ(LoadValidationSet((dir_ / "nope").string(), {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace infaas::profiler
