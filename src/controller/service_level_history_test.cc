#include "controller/service_level_history.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using testing::MakeVariant;

class ServiceLevelHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalogue = testing::StoredCatalogue::Create(
        "service-levels", {MakeVariant({.name = "lenet5_onnx_cpu1_b1"})});
    ASSERT_TRUE(catalogue.ok()) << catalogue.status();
    catalogue_ = *std::move(catalogue);
    history_ = std::make_unique<ServiceLevelHistory>(catalogue_->view(), &clock_);
  }

  static QueryRequirements Architecture(absl::string_view name, double slo_ms) {
    QueryRequirements r;
    r.architecture = std::string(name);
    r.latency_slo_ms = slo_ms;
    return r;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  std::unique_ptr<testing::StoredCatalogue> catalogue_;
  std::unique_ptr<ServiceLevelHistory> history_;
};

TEST_F(ServiceLevelHistoryTest, CountsEachSecondsAnswersLateAnswersAndRefusalsByReason) {
  const QueryRequirements lenet = Architecture("lenet5", 10);
  history_->OnQueryDone(lenet, v1::QueryOnlineResponse(), absl::Milliseconds(4));
  history_->OnQueryDone(lenet, v1::QueryOnlineResponse(), absl::Milliseconds(12));
  history_->OnQueryDone(lenet, absl::ResourceExhaustedError("overload"), absl::Milliseconds(1));
  clock_.Advance(absl::Seconds(2));
  history_->OnQueryDone(lenet, absl::FailedPreconditionError("impossible"), absl::Milliseconds(1));
  history_->OnQueryDone(lenet, absl::FailedPreconditionError("impossible"), absl::Milliseconds(1));

  const std::vector<v1::ServiceLevelSeries> recent = history_->Recent(absl::Seconds(60));
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].name(), "lenet5");
  EXPECT_EQ(recent[0].form(), "architecture");
  ASSERT_EQ(recent[0].points_size(), 2);  // seconds without queries are left out
  const v1::ServiceLevelPoint& first = recent[0].points(0);
  EXPECT_EQ(first.at_unix_s(), 1'000'000);
  EXPECT_EQ(first.answered(), 2);
  EXPECT_EQ(first.within_target(), 1);
  EXPECT_EQ(first.missed_target(), 1);
  EXPECT_EQ(first.refused().at("resource_exhausted"), 1);
  const v1::ServiceLevelPoint& second = recent[0].points(1);
  EXPECT_EQ(second.at_unix_s(), 1'000'002);
  EXPECT_EQ(second.answered(), 0);
  EXPECT_EQ(second.refused().at("failed_precondition"), 2);
}

TEST_F(ServiceLevelHistoryTest, NamesQueriesAsTheyAskedAndMadeUpNamesAsUnregistered) {
  QueryRequirements variant;
  variant.variant = "lenet5_onnx_cpu1_b1";
  QueryRequirements family;
  family.task = "classification";
  family.dataset = "fashion-mnist";
  family.latency_slo_ms = 5;
  history_->OnQueryDone(variant, v1::QueryOnlineResponse(), absl::Milliseconds(50));
  history_->OnQueryDone(family, v1::QueryOnlineResponse(), absl::Milliseconds(1));
  history_->OnQueryDone(Architecture("made-up", 5), absl::NotFoundError("no"),
                        absl::Milliseconds(1));

  std::map<std::string, v1::ServiceLevelSeries> by_name;
  for (v1::ServiceLevelSeries& s : history_->Recent(absl::Seconds(10))) by_name[s.name()] = s;
  ASSERT_EQ(by_name.size(), 3u);
  // Without a target, an answer is within it however long it took.
  EXPECT_EQ(by_name.at("lenet5_onnx_cpu1_b1").form(), "variant");
  EXPECT_EQ(by_name.at("lenet5_onnx_cpu1_b1").points(0).within_target(), 1);
  EXPECT_EQ(by_name.at("classification/fashion-mnist").form(), "task");
  EXPECT_EQ(by_name.at("(unregistered)").points(0).refused().at("not_found"), 1);
}

TEST_F(ServiceLevelHistoryTest, ReturnsOnlyTheWindowAndForgetsPastTheLimit) {
  const QueryRequirements lenet = Architecture("lenet5", 10);
  history_->OnQueryDone(lenet, v1::QueryOnlineResponse(), absl::Milliseconds(1));
  clock_.Advance(absl::Seconds(30));
  history_->OnQueryDone(lenet, v1::QueryOnlineResponse(), absl::Milliseconds(1));

  ASSERT_EQ(history_->Recent(absl::Seconds(10)).at(0).points_size(), 1);
  EXPECT_EQ(history_->Recent(absl::Seconds(31)).at(0).points_size(), 2);
  EXPECT_TRUE(history_->Recent(absl::ZeroDuration()).empty());

  clock_.Advance(absl::Seconds(ServiceLevelHistory::kMaxSeconds + 1));
  EXPECT_TRUE(history_->Recent(absl::Seconds(ServiceLevelHistory::kMaxSeconds)).empty());
  history_->OnQueryDone(lenet, v1::QueryOnlineResponse(), absl::Milliseconds(1));
  // Asking for more than is kept gets what is kept: the old seconds are gone.
  ASSERT_EQ(history_->Recent(absl::Hours(1)).at(0).points_size(), 1);
}

}  // namespace
}  // namespace infaas::controller
