#include "offline/result_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "google/protobuf/util/json_util.h"
#include "infaas/v1/api.pb.h"

namespace infaas::offline {
namespace {

using ::testing::HasSubstr;

TEST(ResultFilesTest, AJsonResultNamesTheInputVariantAndTopClassesBestFirst) {
  const std::string json =
      ResultFileContents("bag_0018.png", "vgg_mini_torchscript_cpu1_b8", {0.0f, 5.0f, 1.0f},
                         {"Coat", "Bag", "Shirt"}, {.raw = false, .top_k = 2});
  v1::OfflineResult result;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &result).ok()) << json;
  EXPECT_EQ(result.input(), "bag_0018.png");
  EXPECT_EQ(result.variant(), "vgg_mini_torchscript_cpu1_b8");
  ASSERT_EQ(result.top_size(), 2);
  EXPECT_EQ(result.top(0).label(), "Bag");
  EXPECT_EQ(result.top(0).index(), 1);
  EXPECT_NEAR(result.top(0).score(), 0.9756, 1e-3);
  EXPECT_EQ(result.top(1).label(), "Shirt");
  EXPECT_THAT(json, HasSubstr("\"input\": \"bag_0018.png\""));
}

TEST(ResultFilesTest, ARawResultIsTheOutputsLittleEndianFloat32Bytes) {
  const std::vector<float> values = {1.5f, -2.0f, 0.25f};
  const std::string bytes = ResultFileContents("x.f32", "v", values, {}, {.raw = true});
  ASSERT_EQ(bytes.size(), 12u);
  std::vector<float> back(3);
  std::memcpy(back.data(), bytes.data(), bytes.size());
  EXPECT_EQ(back, values);
}

TEST(ResultFilesTest, TheSummaryIsTheJobRecordWithItsFailures) {
  v1::OfflineJob job;
  job.set_id("job-1");
  job.set_state(v1::OfflineJob::STATE_DONE);
  job.set_items_total(3);
  v1::OfflineItemFailure* f = job.add_failures();
  f->set_input("broken.png");
  f->set_reason("not a decodable PNG/JPEG image");
  const std::string json = SummaryFileContents(job);
  v1::OfflineJob back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok()) << json;
  EXPECT_EQ(back.id(), "job-1");
  EXPECT_EQ(back.state(), v1::OfflineJob::STATE_DONE);
  ASSERT_EQ(back.failures_size(), 1);
  EXPECT_EQ(back.failures(0).input(), "broken.png");
  EXPECT_THAT(json, HasSubstr("\"state\": \"STATE_DONE\""));
}

}  // namespace
}  // namespace infaas::offline
