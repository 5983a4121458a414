#include "cli/query_form.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"

namespace infaas::cli {
namespace {

using ::testing::ElementsAre;

QueryRequirements Variant() {
  QueryRequirements r;
  r.variant = "lenet5_torchscript_cpu1_b8";
  return r;
}

QueryRequirements Arch() {
  QueryRequirements r;
  r.architecture = "lenet5";
  r.latency_ms = 10;
  return r;
}

QueryRequirements Task() {
  QueryRequirements r;
  r.task = "classification";
  r.dataset = "fashion-mnist";
  r.min_accuracy = 90;
  r.latency_ms = 20;
  return r;
}

void ExpectInvalid(const QueryRequirements& r, absl::string_view mentions) {
  const absl::Status s = ValidateQueryForm(r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), mentions)) << s.message();
}

TEST(QueryFormTest, AcceptsTheThreeFormsOfTheOriginal) {
  EXPECT_EQ(ValidateQueryForm(Variant()).value(), QueryForm::kVariant);
  EXPECT_EQ(ValidateQueryForm(Arch()).value(), QueryForm::kArchitecture);
  EXPECT_EQ(ValidateQueryForm(Task()).value(), QueryForm::kTaskAndDataset);
}

TEST(QueryFormTest, AllowsALatencyTargetWithAVariant) {
  QueryRequirements r = Variant();
  r.latency_ms = 5;
  EXPECT_EQ(ValidateQueryForm(r).value(), QueryForm::kVariant);
}

TEST(QueryFormTest, RejectsMixedForms) {
  QueryRequirements r = Variant();
  r.architecture = "lenet5";
  r.min_accuracy = 90;
  ExpectInvalid(r, "-v cannot be combined with -a, -A");
  r = Arch();
  r.task = "classification";
  ExpectInvalid(r, "-a cannot be combined with -t");
}

TEST(QueryFormTest, RequiresALatencyTargetForArchitectureAndTaskForms) {
  QueryRequirements r = Arch();
  r.latency_ms.reset();
  ExpectInvalid(r, "-l MS");
  r = Task();
  r.latency_ms.reset();
  ExpectInvalid(r, "missing -l MS");
  r = Arch();
  r.latency_ms = 0;
  ExpectInvalid(r, "must be > 0");
}

TEST(QueryFormTest, NamesEveryMissingFlagOfTheTaskForm) {
  QueryRequirements task_only;
  task_only.task = "classification";
  ExpectInvalid(task_only, "missing -D DATASET, -A ACCURACY, -l MS");
  ExpectInvalid(QueryRequirements(), "say what to run; valid forms: -v VARIANT");
}

TEST(QueryFormTest, ReadsAccuracyUpToOneAsAFraction) {
  EXPECT_DOUBLE_EQ(AccuracyPercent(0.9).value(), 90);
  EXPECT_DOUBLE_EQ(AccuracyPercent(1).value(), 100);
  EXPECT_DOUBLE_EQ(AccuracyPercent(0).value(), 0);
  EXPECT_DOUBLE_EQ(AccuracyPercent(91.5).value(), 91.5);
  EXPECT_DOUBLE_EQ(AccuracyPercent(100).value(), 100);
  EXPECT_FALSE(AccuracyPercent(-1).ok());
  EXPECT_FALSE(AccuracyPercent(100.5).ok());
}

TEST(QueryFormTest, ParsesOneSizeOrAListOfDims) {
  EXPECT_THAT(ParseInputDims("28").value(), ElementsAre(28));
  EXPECT_THAT(ParseInputDims("1,28,28").value(), ElementsAre(1, 28, 28));
  EXPECT_THAT(ParseInputDims("3x224x224").value(), ElementsAre(3, 224, 224));
  for (const char* bad : {"", "0", "-28", "28,", "a", "1.5", "1,,2"}) {
    EXPECT_EQ(ParseInputDims(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

class QueryRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("query_form_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    image_ = (dir_ / "a.png").string();
    std::ofstream(image_) << "PNG bytes";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string image_;
};

QueryRequirements WithFractionalAccuracy() {
  QueryRequirements r = Task();
  r.min_accuracy = 0.9;
  return r;
}

TEST_F(QueryRequestTest, CarriesTheRequirementsTheBatchAndTheDims) {
  absl::StatusOr<v1::QueryOnlineRequest> r =
      BuildQueryRequest(WithFractionalAccuracy(), {image_, image_}, "1,28,28");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->task(), "classification");
  EXPECT_EQ(r->dataset(), "fashion-mnist");
  EXPECT_DOUBLE_EQ(r->min_accuracy_percent(), 90);
  EXPECT_DOUBLE_EQ(r->latency_slo_ms(), 20);
  EXPECT_THAT(r->input_dims(), ElementsAre(1, 28, 28));
  ASSERT_EQ(r->inputs_size(), 2);
  EXPECT_EQ(r->inputs(1).encoded_image(), "PNG bytes");
}

TEST_F(QueryRequestTest, NeedsAnInputAndReadableImages) {
  EXPECT_TRUE(
      absl::StrContains(BuildQueryRequest(Variant(), {}, "").status().message(), "-i FILE"));
  const absl::Status missing =
      BuildQueryRequest(Variant(), {(dir_ / "missing.png").string()}, "").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.message(), "missing.png")) << missing;
  EXPECT_EQ(BuildQueryRequest(Variant(), {dir_.string()}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::ofstream(dir_ / "empty.png").flush();
  EXPECT_EQ(BuildQueryRequest(Variant(), {(dir_ / "empty.png").string()}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::cli
