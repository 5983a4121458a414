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

TEST_F(PathRootsTest, ATenantNamesOnlyPathsInItsShareOfTheRoots) {
  fs::create_directories(dir_ / "root/tenants/acme/in");
  fs::create_directories(dir_ / "root/tenants/globex/in");
  EXPECT_TRUE(roots_.Confine(dir_ / "root/tenants/acme/in", "acme").ok());
  EXPECT_TRUE(roots_.Confine(dir_ / "root/tenants/acme/new", "acme").ok());
  for (const fs::path& p : {dir_ / "root/tenants/globex/in", dir_ / "root/models/a",
                            dir_ / "root/tenants/acme/../globex/in", dir_ / "root"}) {
    absl::Status s = roots_.Confine(p, "acme").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << p;
    EXPECT_TRUE(absl::StrContains(s.message(), "tenants/acme")) << s;
  }
  EXPECT_EQ(roots_.Confine(dir_ / "root/tenants/x", "..").status().code(),
            absl::StatusCode::kPermissionDenied);
  // An admin (no tenant) names any of it.
  EXPECT_TRUE(roots_.Confine(dir_ / "root/tenants/globex/in").ok());
}

TEST_F(PathRootsTest, OpenFolderMakesTheTenantsShareAndOpensBeneathIt) {
  absl::StatusOr<FolderHandle> out =
      roots_.OpenFolder(dir_ / "root/tenants/acme/results", "acme", /*create=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->WriteFileAtomically("r.json", "{}").ok());
  EXPECT_TRUE(fs::exists(dir_ / "root/tenants/acme/results/r.json"));
  EXPECT_EQ(roots_.OpenFolder(dir_ / "root/tenants/acme/none", "acme", false).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PathRootsTest, ALinkSwappedInAfterTheCheckCannotLeadOutOfTheShare) {
  fs::create_directories(dir_ / "root/tenants/acme/in");
  ASSERT_TRUE(roots_.Confine(dir_ / "root/tenants/acme/in", "acme").ok());
  // Between the check (at submission) and the use (when the job runs):
  fs::remove_all(dir_ / "root/tenants/acme/in");
  fs::create_symlink("../../../../outside", dir_ / "root/tenants/acme/in");
  absl::Status s = roots_.OpenFolder(dir_ / "root/tenants/acme/in", "acme", false).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  // The same link to another tenant's share, inside the root, is refused too.
  fs::remove(dir_ / "root/tenants/acme/in");
  fs::create_directories(dir_ / "root/tenants/globex/in");
  fs::create_symlink("../globex/in", dir_ / "root/tenants/acme/in");
  EXPECT_FALSE(roots_.OpenFolder(dir_ / "root/tenants/acme/in/", "acme", false).ok());
}

}  // namespace
}  // namespace infaas
