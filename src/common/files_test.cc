#include "common/files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("infaas_files_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FilesTest, WriteAtomicallyThenReadBack) {
  const fs::path p = dir_ / "a.txt";
  ASSERT_TRUE(WriteFileAtomically(p, "hello").ok());
  ASSERT_TRUE(WriteFileAtomically(p, "replaced").ok());
  absl::StatusOr<std::string> got = ReadFile(p);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "replaced");
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FilesTest, ReadingAMissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<std::string> got = ReadFile(dir_ / "missing");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(got.status().message(), "missing"));
}

TEST_F(FilesTest, ABoundedReadRefusesALargerFileBeforeReadingIt) {
  const std::filesystem::path file = dir_ / "big";
  ASSERT_TRUE(WriteFileAtomically(file, std::string(1000, 'x')).ok());
  absl::StatusOr<std::string> refused = ReadFileAtMost(file, 999);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("is 1000 bytes; at most 999"));
  absl::StatusOr<std::string> read = ReadFileAtMost(file, 1000);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), 1000u);
  EXPECT_EQ(ReadFileAtMost(dir_ / "absent", 10).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, WritingIntoAMissingFolderFailsCleanly) {
  absl::Status s = WriteFileAtomically(dir_ / "no" / "such" / "x", "data");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, Sha256MatchesKnownDigests) {
  EXPECT_EQ(Sha256OfBytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256OfBytes("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "abc", "abc").ok());
  absl::StatusOr<std::string> file_digest = Sha256OfFile(dir_ / "abc");
  ASSERT_TRUE(file_digest.ok());
  EXPECT_EQ(*file_digest, Sha256OfBytes("abc"));
}

TEST(PathFromFileUrlTest, AcceptsFileUrlsAndPlainPaths) {
  EXPECT_EQ(PathFromFileUrl("file:///tmp/x").value(), fs::path("/tmp/x"));
  EXPECT_EQ(PathFromFileUrl("models/zoo").value(), fs::path("models/zoo"));
}

TEST(PathFromFileUrlTest, RejectsOtherSchemesAndEmpty) {
  absl::StatusOr<fs::path> s3 = PathFromFileUrl("s3://bucket/x");
  EXPECT_EQ(s3.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s3.status().message(), "file://"));
  EXPECT_FALSE(PathFromFileUrl("").ok());
  EXPECT_FALSE(PathFromFileUrl("file://").ok());
}

}  // namespace
}  // namespace infaas
