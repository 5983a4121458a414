#include "cli/job_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::OfflineJob Running() {
  v1::OfflineJob job;
  job.set_id("job-1");
  job.set_state(v1::OfflineJob::STATE_RUNNING);
  job.set_input_url("/in");
  job.set_output_url("/out");
  job.mutable_requirements()->set_architecture("vgg_mini");
  job.add_variants_used("vgg_mini_torchscript_cpu1_b8");
  job.set_items_total(300);
  job.set_items_done(118);
  job.set_items_failed(2);
  job.set_items_per_second(90);
  return job;
}

TEST(JobTableTest, TheEtaIsWhatRemainsOverTheRateWhileRunning) {
  v1::OfflineJob job = Running();
  ASSERT_TRUE(JobEta(job).has_value());
  EXPECT_EQ(*JobEta(job), absl::Seconds(2));  // 180 left at 90/s
  job.set_items_per_second(0);
  EXPECT_FALSE(JobEta(job).has_value());
  job = Running();
  job.set_state(v1::OfflineJob::STATE_DONE);
  EXPECT_FALSE(JobEta(job).has_value());
}

TEST(JobTableTest, ProgressTextShowsCountsRateAndEta) {
  EXPECT_EQ(JobProgressText(Running()), "118/300 done, 2 failed, 90.0/s, ETA 2s");
  v1::OfflineJob queued;
  queued.set_state(v1::OfflineJob::STATE_QUEUED);
  EXPECT_EQ(JobProgressText(queued), "0/0 done, 0 failed");
}

TEST(JobTableTest, APausedJobSaysWhyInTheListAndTheDetail) {
  v1::OfflineJob job = Running();
  EXPECT_EQ(JobStateLabel(job), "running");
  job.set_paused_reason("paused: results cannot be written to /out (No space left on device)");
  EXPECT_EQ(JobStateLabel(job), "paused");
  EXPECT_THAT(FormatJobList({job}), HasSubstr("paused"));
  EXPECT_THAT(FormatJobDetail(job), HasSubstr("No space left on device"));
  job.set_state(v1::OfflineJob::STATE_DONE);
  EXPECT_EQ(JobStateLabel(job), "done");
}

TEST(JobTableTest, TheListHasOneRowPerJob) {
  v1::OfflineJob done = Running();
  done.set_id("job-2");
  done.set_state(v1::OfflineJob::STATE_DONE);
  const std::string table = FormatJobList({Running(), done});
  EXPECT_THAT(table, HasSubstr("JOB    STATE"));
  EXPECT_THAT(table, HasSubstr("job-1  running"));
  EXPECT_THAT(table, HasSubstr("job-2  done"));
  EXPECT_THAT(table, HasSubstr("vgg_mini_torchscript_cpu1_b8"));
  EXPECT_THAT(FormatJobList({}), HasSubstr("infaas offline"));
}

TEST(JobTableTest, TheDetailListsFailuresWithReasonsUpToALimit) {
  v1::OfflineJob job = Running();
  for (const char* name : {"a.png", "b.png", "c.png"}) {
    v1::OfflineItemFailure* f = job.add_failures();
    f->set_input(name);
    f->set_reason("not a decodable PNG/JPEG image");
  }
  const std::string detail = FormatJobDetail(job, 2);
  EXPECT_THAT(detail, HasSubstr("state     running"));
  EXPECT_THAT(detail, HasSubstr("runs on   architecture vgg_mini"));
  EXPECT_THAT(detail, HasSubstr("progress  118/300 done, 2 failed, 90.0/s, ETA 2s"));
  EXPECT_THAT(detail, HasSubstr("  a.png: not a decodable PNG/JPEG image"));
  EXPECT_THAT(detail, Not(HasSubstr("c.png")));
  EXPECT_THAT(detail, HasSubstr("and 1 more"));
}

}  // namespace
}  // namespace infaas::cli
