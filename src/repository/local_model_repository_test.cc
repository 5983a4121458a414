#include "repository/local_model_repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace infaas::repository {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

class LocalModelRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            absl::StrCat("infaas-repo-", ::getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "repo");
    fs::create_directories(base_ / "upload" / "weights");
    ASSERT_TRUE(WriteFileAtomically(base_ / "upload" / "model.pt", "torchscript bytes").ok());
    ASSERT_TRUE(WriteFileAtomically(base_ / "upload" / "config.pbtxt", "name: \"m\"").ok());
    ASSERT_TRUE(WriteFileAtomically(base_ / "upload" / "weights" / "part1.bin", "abc").ok());
    ASSERT_TRUE(WriteFileAtomically(base_ / "upload" / ".DS_Store", "junk").ok());
    auto repo = LocalModelRepository::Open(absl::StrCat("file://", (base_ / "repo").string()));
    ASSERT_TRUE(repo.ok()) << repo.status();
    repo_ = std::move(*repo);
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  std::unique_ptr<LocalModelRepository> repo_;
};

TEST_F(LocalModelRepositoryTest, AddCopiesFilesAndRecordsTheirHashes) {
  absl::StatusOr<StoredModel> m = repo_->AddModel("lenet5", base_ / "upload");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->folder, base_ / "repo" / "lenet5");
  std::vector<std::string> paths;
  for (const auto& f : m->files) paths.push_back(f.path());
  EXPECT_THAT(paths, ElementsAre("config.pbtxt", "model.pt", "weights/part1.bin"));
  EXPECT_EQ(m->files[2].sha256(), Sha256OfBytes("abc"));
  EXPECT_EQ(m->files[2].size_bytes(), 3);
  EXPECT_EQ(*ReadFile(m->folder / "model.pt"), "torchscript bytes");
  EXPECT_FALSE(fs::exists(m->folder / ".DS_Store"));

  absl::StatusOr<StoredModel> again = repo_->GetModel("lenet5");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->files.size(), 3u);
  EXPECT_EQ(again->files[1].sha256(), m->files[1].sha256());
  EXPECT_TRUE(repo_->VerifyModel("lenet5").ok());
}

TEST_F(LocalModelRepositoryTest, AddsASingleFile) {
  absl::StatusOr<StoredModel> m = repo_->AddModel("single", base_ / "upload" / "model.pt");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->files.size(), 1u);
  EXPECT_EQ(m->files[0].path(), "model.pt");
}

TEST_F(LocalModelRepositoryTest, AFileAddedLaterIsRecordedAndVerified) {
  ASSERT_TRUE(repo_->AddModel("m", base_ / "upload").ok());
  absl::StatusOr<v1::ModelFile> added = repo_->AddFile("m", "model.opencv.onnx", "rewritten");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->sha256(), Sha256OfBytes("rewritten"));
  absl::StatusOr<StoredModel> m = repo_->GetModel("m");
  ASSERT_TRUE(m.ok());
  std::vector<std::string> paths;
  for (const auto& f : m->files) paths.push_back(f.path());
  EXPECT_THAT(paths,
              ElementsAre("config.pbtxt", "model.opencv.onnx", "model.pt", "weights/part1.bin"));
  EXPECT_TRUE(repo_->VerifyModel("m").ok());
  // Taken paths, escaping paths and unknown models are refused.
  EXPECT_EQ(repo_->AddFile("m", "model.pt", "x").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(repo_->AddFile("m", "../evil", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->AddFile("absent", "f", "x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*ReadFile(base_ / "repo" / "m" / "model.pt"), "torchscript bytes");
}

TEST_F(LocalModelRepositoryTest, RefusesNamesThatCouldEscapeTheRepository) {
  for (const std::string& name :
       {std::string(".."), std::string("../evil"), std::string("/abs"), std::string("a/b"),
        std::string("nul\0x", 5), std::string(""), std::string(".hidden")}) {
    absl::StatusOr<StoredModel> m = repo_->AddModel(name, base_ / "upload");
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(repo_->ListModels()->empty());
  EXPECT_FALSE(fs::exists(base_ / "evil"));
}

TEST_F(LocalModelRepositoryTest, RefusesADuplicateName) {
  ASSERT_TRUE(repo_->AddModel("m", base_ / "upload").ok());
  absl::StatusOr<StoredModel> dup = repo_->AddModel("m", base_ / "upload");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(dup.status().message(), "remove it first")) << dup.status();
}

TEST_F(LocalModelRepositoryTest, AMissingSourceLeavesNothingBehind) {
  absl::StatusOr<StoredModel> m = repo_->AddModel("m", base_ / "nope");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(base_ / "repo")) ++entries;
  EXPECT_EQ(entries, 0);
}

TEST_F(LocalModelRepositoryTest, AnUnreadableSourceFileLeavesNoPartialModel) {
  // A FIFO is not a regular file: the add must fail before anything appears.
  ASSERT_EQ(::mkfifo((base_ / "upload" / "pipe").c_str(), 0644), 0);
  absl::StatusOr<StoredModel> m = repo_->AddModel("m", base_ / "upload");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(base_ / "repo" / "m"));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(base_ / "repo")) ++entries;
  EXPECT_EQ(entries, 0);
}

TEST_F(LocalModelRepositoryTest, VerifyDetectsAChangedFile) {
  ASSERT_TRUE(repo_->AddModel("m", base_ / "upload").ok());
  ASSERT_TRUE(WriteFileAtomically(base_ / "repo" / "m" / "model.pt", "tampered").ok());
  absl::Status s = repo_->VerifyModel("m");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "model.pt")) << s;
}

TEST_F(LocalModelRepositoryTest, ListAndRemove) {
  ASSERT_TRUE(repo_->AddModel("b", base_ / "upload").ok());
  ASSERT_TRUE(repo_->AddModel("a", base_ / "upload").ok());
  EXPECT_THAT(*repo_->ListModels(), ElementsAre("a", "b"));
  ASSERT_TRUE(repo_->RemoveModel("a").ok());
  EXPECT_THAT(*repo_->ListModels(), ElementsAre("b"));
  EXPECT_EQ(repo_->RemoveModel("a").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(repo_->GetModel("a").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LocalModelRepositoryTest, ConcurrentAddsOfOneNameHaveExactlyOneWinner) {
  std::atomic<int> wins{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<StoredModel> m = repo_->AddModel("race", base_ / "upload");
      if (m.ok()) ++wins;
      if (absl::IsAlreadyExists(m.status())) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), 3);
  EXPECT_TRUE(repo_->VerifyModel("race").ok());
}

TEST_F(LocalModelRepositoryTest, OpenCleansStagingLeftByACrash) {
  fs::create_directories(base_ / "repo" / ".staging-m-deadbeef");
  auto repo = LocalModelRepository::Open((base_ / "repo").string());
  ASSERT_TRUE(repo.ok());
  EXPECT_FALSE(fs::exists(base_ / "repo" / ".staging-m-deadbeef"));
}

TEST(LocalModelRepositoryOpenTest, AMissingFolderIsNotFoundWithTheRemedy) {
  auto repo = LocalModelRepository::Open("/nonexistent/infaas/models");
  EXPECT_EQ(repo.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(repo.status().message(), "mkdir -p")) << repo.status();
}

TEST(LocalModelRepositoryOpenTest, AnUnwritableFolderIsPermissionDenied) {
  // /proc is not writable even for root.
  auto repo = LocalModelRepository::Open("/proc");
  EXPECT_EQ(repo.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(repo.status().message(), "not writable")) << repo.status();
}

TEST(LocalModelRepositoryOpenTest, OtherUrlSchemesAreRejected) {
  auto repo = LocalModelRepository::Open("s3://bucket/models");
  EXPECT_EQ(repo.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::repository
