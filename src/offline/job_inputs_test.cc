#include "offline/job_inputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace infaas::offline {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JobInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "infaas-inputs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Touch(const std::string& name) { std::ofstream(dir_ / name) << "x"; }

  std::vector<std::string> Names(const JobInputs& inputs) {
    std::vector<std::string> names;
    for (const JobInput& in : inputs.items) names.push_back(in.name);
    return names;
  }

  fs::path dir_;
};

TEST_F(JobInputsTest, ListsImagesAndRawTensorsSortedWithTheirResultNames) {
  for (const char* name : {"b.png", "a.JPG", "c.jpeg", "d.f32", "e.raw"}) Touch(name);
  absl::StatusOr<JobInputs> inputs = ListJobInputs(dir_, /*raw_output=*/false);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_THAT(Names(*inputs), ElementsAre("a.JPG", "b.png", "c.jpeg", "d.f32", "e.raw"));
  EXPECT_EQ(inputs->items[0].output_name, "a.json");
  EXPECT_EQ(inputs->items[0].kind, InputKind::kImage);
  EXPECT_EQ(inputs->items[3].kind, InputKind::kRawTensor);
  EXPECT_EQ(inputs->items[1].name, "b.png");
  EXPECT_TRUE(inputs->rejected.empty());
  EXPECT_EQ(inputs->total(), 5);
}

TEST_F(JobInputsTest, RawOutputNamesEndInF32) {
  Touch("x.png");
  absl::StatusOr<JobInputs> inputs = ListJobInputs(dir_, /*raw_output=*/true);
  ASSERT_TRUE(inputs.ok());
  EXPECT_EQ(inputs->items[0].output_name, "x.f32");
}

TEST_F(JobInputsTest, RejectsOtherFilesAndClashingResultNamesWithReasons) {
  for (const char* name : {"notes.txt", "shoe.png", "shoe.jpg", "infaas-summary.png"}) Touch(name);
  absl::StatusOr<JobInputs> inputs = ListJobInputs(dir_, /*raw_output=*/false);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_THAT(Names(*inputs), ElementsAre("shoe.jpg"));
  ASSERT_EQ(inputs->rejected.size(), 3u);
  EXPECT_EQ(inputs->rejected[0].input(), "infaas-summary.png");
  EXPECT_THAT(inputs->rejected[0].reason(), HasSubstr("the job summary"));
  EXPECT_EQ(inputs->rejected[1].input(), "notes.txt");
  EXPECT_THAT(inputs->rejected[1].reason(), HasSubstr(".png, .jpg or .jpeg"));
  EXPECT_EQ(inputs->rejected[2].input(), "shoe.png");
  EXPECT_THAT(inputs->rejected[2].reason(),
              HasSubstr("shoe.json is already the result of shoe.jpg"));
  EXPECT_EQ(inputs->total(), 4);
}

TEST_F(JobInputsTest, NeverFollowsLinksNorReadsFifosOrHugeFiles) {
  Touch("ok.png");
  std::filesystem::create_symlink("/etc/passwd", dir_ / "passwd.png");
  ASSERT_EQ(::mkfifo((dir_ / "pipe.png").c_str(), 0600), 0);
  std::filesystem::resize_file(dir_ / "ok.png", 10);
  { std::ofstream(dir_ / "huge.png").flush(); }
  std::filesystem::resize_file(dir_ / "huge.png", kMaxInputFileBytes + 1);  // sparse
  absl::StatusOr<JobInputs> inputs = ListJobInputs(dir_, /*raw_output=*/false);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_THAT(Names(*inputs), ElementsAre("ok.png"));
  ASSERT_EQ(inputs->rejected.size(), 2u);
  EXPECT_EQ(inputs->rejected[0].input(), "huge.png");
  EXPECT_THAT(inputs->rejected[0].reason(), HasSubstr("over the 64 MiB"));
  EXPECT_EQ(inputs->rejected[1].input(), "passwd.png");
  EXPECT_THAT(inputs->rejected[1].reason(), HasSubstr("symbolic link"));
}

TEST_F(JobInputsTest, SkipsHiddenFilesAndSubfolders) {
  Touch(".hidden.png");
  fs::create_directory(dir_ / "nested.png");
  Touch("seen.png");
  absl::StatusOr<JobInputs> inputs = ListJobInputs(dir_, /*raw_output=*/false);
  ASSERT_TRUE(inputs.ok());
  EXPECT_THAT(Names(*inputs), ElementsAre("seen.png"));
  EXPECT_TRUE(inputs->rejected.empty());
}

TEST_F(JobInputsTest, AMissingFolderOrAFileIsAnErrorThatNamesIt) {
  absl::StatusOr<JobInputs> missing = ListJobInputs(dir_ / "nope", false);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("nope"));
  Touch("file.png");
  absl::StatusOr<JobInputs> file = ListJobInputs(dir_ / "file.png", false);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("is not a folder"));
}

TEST_F(JobInputsTest, FoldersAreOpenedOnlyInsideTheTenantsShareOfTheRoots) {
  fs::create_directories(dir_ / "tenants/acme/in");
  fs::create_directories(dir_ / "tenants/globex/in");
  const PathRoots roots = *PathRoots::Create({dir_}, "--job-root");
  EXPECT_TRUE(OpenInputFolder(roots, dir_ / "tenants/acme/in", "acme").ok());
  EXPECT_EQ(OpenInputFolder(roots, dir_ / "tenants/globex/in", "acme").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenOutputFolder(roots, "/tmp/elsewhere", "acme").status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::StatusOr<FolderHandle> out = OpenOutputFolder(roots, dir_ / "tenants/acme/out/1", "acme");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(fs::is_directory(dir_ / "tenants/acme/out/1"));
}

}  // namespace
}  // namespace infaas::offline
