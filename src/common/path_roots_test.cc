#include "common/path_roots.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace infaas {
namespace {

namespace fs = std::filesystem;

class PathRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("infaas-roots-", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "root/models/a");
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "outside/secret") << "x";
    fs::create_symlink(dir_ / "outside", dir_ / "root/escape");
    roots_ = *PathRoots::Create({dir_ / "root"}, "--job-root");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  PathRoots roots_;
};

TEST_F(PathRootsTest, PathsUnderARootAreAllowedEvenIfTheyDoNotExistYet) {
  EXPECT_EQ(*roots_.Confine(dir_ / "root/models/a"), fs::canonical(dir_ / "root/models/a"));
  EXPECT_TRUE(roots_.Confine(dir_ / "root").ok());
  EXPECT_TRUE(roots_.Confine(dir_ / "root/new/results").ok());
}

TEST_F(PathRootsTest, DotDotAndSymlinksOutOfARootAreRefused) {
  for (const fs::path& p : {dir_ / "root/../outside/secret", dir_ / "root/escape/secret",
                            dir_ / "root/escape", dir_ / "rootsibling", fs::path("/etc/passwd")}) {
    absl::StatusOr<fs::path> confined = roots_.Confine(p);
    EXPECT_EQ(confined.status().code(), absl::StatusCode::kPermissionDenied) << p;
    EXPECT_TRUE(absl::StrContains(confined.status().message(), "--job-root")) << confined.status();
  }
}

TEST_F(PathRootsTest, TheRefusalDoesNotTellWhetherAPathExists) {
  absl::Status exists = roots_.Confine(dir_ / "outside/secret").status();
  absl::Status missing = roots_.Confine(dir_ / "outside/nothing").status();
  EXPECT_EQ(exists.code(), missing.code());
  const std::string a(exists.message()), b(missing.message());
  EXPECT_EQ(a.substr(a.find("\" is outside")), b.substr(b.find("\" is outside")));
}

TEST_F(PathRootsTest, NoRootsAllowEverythingAndRelativePathsAreRefused) {
  PathRoots open;
  EXPECT_FALSE(open.confined());
  EXPECT_TRUE(open.Confine("/etc").ok());
  EXPECT_EQ(*open.Confine("relative/./x"), "relative/x");
  EXPECT_EQ(roots_.Confine("relative/path").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PathRoots::Create({dir_ / "nope"}, "--job-root").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas
