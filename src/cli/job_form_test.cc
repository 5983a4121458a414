#include "cli/job_form.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

using ::testing::HasSubstr;

OfflineJobFlags Flags() {
  OfflineJobFlags f;
  f.input_url = "in";
  f.output_url = "/data/out";
  return f;
}

TEST(JobFormTest, TheOriginalPositionalArchitectureFormWorksWithRelativePaths) {
  OfflineJobFlags f = Flags();
  f.architecture = "lenet5";
  absl::StatusOr<v1::SubmitOfflineJobRequest> r = BuildOfflineJobRequest(f, "/home/me");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->input_url(), "/home/me/in");
  EXPECT_EQ(r->output_url(), "/data/out");
  EXPECT_EQ(r->requirements().architecture(), "lenet5");
  EXPECT_FALSE(r->raw_output());
}

TEST(JobFormTest, FileUrlsAreSentAsGiven) {
  OfflineJobFlags f = Flags();
  f.input_url = "file:///data/in";
  f.variant = "lenet5_torchscript_cpu1_b8";
  f.raw = true;
  absl::StatusOr<v1::SubmitOfflineJobRequest> r = BuildOfflineJobRequest(f, "/home/me");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->input_url(), "file:///data/in");
  EXPECT_EQ(r->requirements().variant(), "lenet5_torchscript_cpu1_b8");
  EXPECT_TRUE(r->raw_output());
}

TEST(JobFormTest, TaskDatasetAndAFractionalAccuracyBecomePercent) {
  OfflineJobFlags f = Flags();
  f.task = "classification";
  f.dataset = "fashion-mnist";
  f.min_accuracy = 0.9;
  absl::StatusOr<v1::SubmitOfflineJobRequest> r = BuildOfflineJobRequest(f, "/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->requirements().min_accuracy_percent(), 90);
  EXPECT_EQ(r->requirements().dataset(), "fashion-mnist");
}

TEST(JobFormTest, NoFormSeveralFormsOrHalfAFormAreRefusedWithTheForms) {
  OfflineJobFlags none = Flags();
  EXPECT_THAT(std::string(BuildOfflineJobRequest(none, "/").status().message()),
              HasSubstr("-v VARIANT"));
  OfflineJobFlags two = Flags();
  two.architecture = "lenet5";
  two.variant = "x";
  EXPECT_THAT(std::string(BuildOfflineJobRequest(two, "/").status().message()),
              HasSubstr("one form only"));
  OfflineJobFlags half = Flags();
  half.task = "classification";
  EXPECT_THAT(std::string(BuildOfflineJobRequest(half, "/").status().message()),
              HasSubstr("-t and -D go together"));
  OfflineJobFlags stray_accuracy = Flags();
  stray_accuracy.architecture = "lenet5";
  stray_accuracy.min_accuracy = 90;
  EXPECT_EQ(BuildOfflineJobRequest(stray_accuracy, "/").status().code(),
            absl::StatusCode::kInvalidArgument);
  OfflineJobFlags no_output = Flags();
  no_output.architecture = "lenet5";
  no_output.output_url = "";
  EXPECT_THAT(std::string(BuildOfflineJobRequest(no_output, "/").status().message()),
              HasSubstr("output"));
}

}  // namespace
}  // namespace infaas::cli
