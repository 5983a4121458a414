#include "common/folder_handle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

class FolderHandleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("infaas-folder-handle-", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "root/in");
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "root/in/a.png") << "png bytes";
    std::ofstream(dir_ / "outside/secret") << "secret";
    root_ = std::make_unique<FolderHandle>(*FolderHandle::Open(dir_ / "root"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<FolderHandle> root_;
};

TEST_F(FolderHandleTest, OpensAndReadsBeneathTheFolder) {
  absl::StatusOr<FolderHandle> in = root_->OpenFolder("in", /*create=*/false);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(*in->ReadFileAtMost("a.png", 100), "png bytes");
  EXPECT_EQ(*root_->ReadFileAtMost("in/a.png", 100), "png bytes");
  EXPECT_EQ(in->path(), dir_ / "root/in");
}

TEST_F(FolderHandleTest, CreatesMissingFoldersOnlyWhenAsked) {
  EXPECT_EQ(root_->OpenFolder("new/deeper", false).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<FolderHandle> made = root_->OpenFolder("new/deeper", /*create=*/true);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(fs::is_directory(dir_ / "root/new/deeper"));
}

TEST_F(FolderHandleTest, DotDotAndLinksLeadingOutAreRefused) {
  fs::create_symlink(dir_ / "outside", dir_ / "root/absolute_link");
  fs::create_symlink("../outside", dir_ / "root/relative_link");
  for (const char* path : {"../outside", "absolute_link", "relative_link", "in/../../outside"}) {
    for (bool create : {false, true}) {
      absl::Status s = root_->OpenFolder(path, create).status();
      EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << path << " " << s;
    }
    EXPECT_FALSE(root_->ReadFileAtMost(fs::path(path) / "secret", 100).ok()) << path;
  }
}

TEST_F(FolderHandleTest, ALinkSwappedInAfterTheFolderWasOpenedCannotLeadOut) {
  absl::StatusOr<FolderHandle> in = root_->OpenFolder("in", false);
  ASSERT_TRUE(in.ok());
  // The checked folder is replaced by a link to the outside.
  fs::rename(dir_ / "root/in", dir_ / "root/in-moved");
  fs::create_symlink(dir_ / "outside", dir_ / "root/in");
  EXPECT_EQ(root_->OpenFolder("in", false).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(root_->ReadFileAtMost("in/secret", 100).ok());
  // The handle opened before still names the folder it checked.
  EXPECT_EQ(*in->ReadFileAtMost("a.png", 100), "png bytes");
  EXPECT_EQ(*ReadFile(fs::path(in->ProcPath()) / "a.png"), "png bytes");
}

TEST_F(FolderHandleTest, ReadsOnlyPlainFilesWithinTheirLimit) {
  fs::create_symlink(dir_ / "root/in/a.png", dir_ / "root/in/link.png");
  ASSERT_EQ(mkfifo((dir_ / "root/in/fifo.png").c_str(), 0644), 0);
  absl::StatusOr<FolderHandle> in = root_->OpenFolder("in", false);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->ReadFileAtMost("link.png", 100).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status fifo = in->ReadFileAtMost("fifo.png", 100).status();
  EXPECT_EQ(fifo.code(), absl::StatusCode::kInvalidArgument) << fifo;
  absl::Status big = in->ReadFileAtMost("a.png", 3).status();
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(big.message(), "9 bytes")) << big;
  EXPECT_EQ(in->ReadFileAtMost("none.png", 100).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FolderHandleTest, WritesReplaceALinkInsteadOfFollowingIt) {
  fs::create_symlink(dir_ / "outside/secret", dir_ / "root/in/result.json");
  ASSERT_TRUE(root_->OpenFolder("in", false)->WriteFileAtomically("result.json", "{}").ok());
  EXPECT_EQ(*ReadFile(dir_ / "outside/secret"), "secret");
  EXPECT_FALSE(fs::is_symlink(dir_ / "root/in/result.json"));
  EXPECT_EQ(*ReadFile(dir_ / "root/in/result.json"), "{}");
  for (const char* bad : {"", ".", "..", "a/b"}) {
    EXPECT_EQ(root_->WriteFileAtomically(bad, "x").code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(FolderHandleTest, ListsEntriesWithTheirKindsAndNeverFollowsLinks) {
  fs::create_symlink(dir_ / "outside", dir_ / "root/in/out");
  fs::create_directories(dir_ / "root/in/sub");
  absl::StatusOr<std::vector<FolderHandle::Entry>> entries = root_->OpenFolder("in", false)->List();
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::sort(entries->begin(), entries->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "a.png");
  EXPECT_EQ((*entries)[0].kind, FolderHandle::EntryKind::kFile);
  EXPECT_EQ((*entries)[0].size_bytes, 9u);
  EXPECT_EQ((*entries)[1].kind, FolderHandle::EntryKind::kLink);
  EXPECT_EQ((*entries)[2].kind, FolderHandle::EntryKind::kFolder);
  absl::Status capped = root_->OpenFolder("in", false)->List(/*max_entries=*/2).status();
  EXPECT_EQ(capped.code(), absl::StatusCode::kFailedPrecondition) << capped;
  EXPECT_TRUE(*root_->Contains("in"));
  EXPECT_FALSE(*root_->Contains("none"));
  EXPECT_GT(*root_->AvailableBytes(), 0u);
}

}  // namespace
}  // namespace infaas
