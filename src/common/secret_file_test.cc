#include "common/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "common/testing/test_folder.h"

namespace infaas {
namespace {

using testing::TestFolder;

TEST(SecretFileTest, MadeOnceWithMode600AndReadBack) {
  TestFolder folder("secret");
  const std::filesystem::path path = folder.path() / "cluster.secret";
  EXPECT_EQ(ReadSecretFile(path).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> made = EnsureSecretFile(path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*EnsureSecretFile(path), *made);
  EXPECT_EQ(*ReadSecretFile(path), *made);
  EXPECT_EQ(WriteSecretFile(path, "x").code(), absl::StatusCode::kAlreadyExists);
}

TEST(SecretFileTest, AFileOthersMayReadIsRefusedWithTheFix) {
  TestFolder folder("secret-open");
  const std::filesystem::path path = folder.path() / "key";
  std::ofstream(path) << "hunter2\n";
  ::chmod(path.c_str(), 0644);
  absl::Status s = ReadSecretFile(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "chmod 600")) << s;
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(*ReadSecretFile(path), "hunter2");
}

TEST(SecretFileTest, FoldersSymlinksAndEmptyFilesAreNotSecrets) {
  TestFolder folder("secret-odd");
  EXPECT_EQ(ReadSecretFile(folder.path()).status().code(), absl::StatusCode::kFailedPrecondition);
  const std::filesystem::path empty = folder.path() / "empty";
  std::ofstream(empty).flush();
  ::chmod(empty.c_str(), 0600);
  EXPECT_EQ(ReadSecretFile(empty).status().code(), absl::StatusCode::kFailedPrecondition);
  const std::filesystem::path real = folder.path() / "real";
  ASSERT_TRUE(WriteSecretFile(real, "s").ok());
  std::filesystem::create_symlink(real, folder.path() / "link");
  EXPECT_EQ(ReadSecretFile(folder.path() / "link").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SecretsEqualTest, ComparesWholeStrings) {
  EXPECT_TRUE(SecretsEqual("abc", "abc"));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "abcd"));
}

}  // namespace
}  // namespace infaas
