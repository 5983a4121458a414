#include "controller/shared_demand.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "store/sqlite_metadata_store.h"

namespace infaas::controller {
namespace {

namespace fs = std::filesystem;

// Two masters' trackers and one real store file they share.
class SharedDemandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("infaas-shared-demand-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = store::SqliteMetadataStore::Open(dir_ / "infaas.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    clock_.Advance(absl::Seconds(5));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<store::SqliteMetadataStore> store_;
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  DemandTracker a_{&clock_, absl::Seconds(2)};
  DemandTracker b_{&clock_, absl::Seconds(2)};
};

TEST_F(SharedDemandTest, TheLeaderSeesEveryMastersQueriesEachCountedOnce) {
  for (int i = 0; i < 4; ++i) a_.RecordDispatch("lenet5_b1", 50, /*pinned=*/false, 1);
  for (int i = 0; i < 6; ++i) b_.RecordDispatch("lenet5_b1", 20, /*pinned=*/false, 2);
  b_.RecordDispatch("resnet_b8", 0, /*pinned=*/true, 8);
  b_.RecordUnmet();
  clock_.Advance(absl::Seconds(1));
  SharedDemand shared_a(&a_, store_.get(), "master-a");
  SharedDemand shared_b(&b_, store_.get(), "master-b");
  ASSERT_TRUE(shared_a.Publish().ok());
  ASSERT_TRUE(shared_b.Publish().ok());

  const DemandSnapshot all = shared_a.Snapshot();
  ASSERT_NE(all.Find("lenet5_b1"), nullptr);
  EXPECT_DOUBLE_EQ(all.Find("lenet5_b1")->qps, 10);  // a's own 4 (live), b's 6 (reported)
  EXPECT_DOUBLE_EQ(all.Find("lenet5_b1")->items_per_s, 16);
  EXPECT_DOUBLE_EQ(all.Find("lenet5_b1")->tightest_slo_ms, 20);
  EXPECT_EQ(all.Find("lenet5_b1")->largest_batch, 2);
  ASSERT_NE(all.Find("resnet_b8"), nullptr);
  EXPECT_TRUE(all.Find("resnet_b8")->pinned);
  EXPECT_DOUBLE_EQ(all.unmet_qps, 1);
  // b sees the same cluster from its side.
  EXPECT_DOUBLE_EQ(shared_b.Snapshot().Find("lenet5_b1")->qps, 10);
}

TEST_F(SharedDemandTest, AMasterThatStopsReportingStopsCounting) {
  for (int i = 0; i < 3; ++i) b_.RecordDispatch("lenet5_b1", 50, false, 1);
  clock_.Advance(absl::Seconds(1));
  SharedDemand shared_a(&a_, store_.get(), "master-a");
  SharedDemand shared_b(&b_, store_.get(), "master-b", absl::Milliseconds(30));
  ASSERT_TRUE(shared_b.Publish().ok());
  ASSERT_NE(shared_a.Snapshot().Find("lenet5_b1"), nullptr);
  // The report lapses by the store's clock.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (shared_a.Snapshot().Find("lenet5_b1") != nullptr && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(shared_a.Snapshot().Find("lenet5_b1"), nullptr);
}

TEST(DemandReportTest, RoundTripsEveryFigure) {
  DemandSnapshot snapshot;
  snapshot.unmet_qps = 2.5;
  snapshot.variants["v"] = {
      .qps = 3, .items_per_s = 7, .tightest_slo_ms = 40, .largest_batch = 4, .pinned = true};
  const DemandSnapshot back = FromDemandReport(ToDemandReport(snapshot, "m"));
  EXPECT_DOUBLE_EQ(back.unmet_qps, 2.5);
  ASSERT_NE(back.Find("v"), nullptr);
  EXPECT_DOUBLE_EQ(back.Find("v")->qps, 3);
  EXPECT_DOUBLE_EQ(back.Find("v")->items_per_s, 7);
  EXPECT_DOUBLE_EQ(back.Find("v")->tightest_slo_ms, 40);
  EXPECT_EQ(back.Find("v")->largest_batch, 4);
  EXPECT_TRUE(back.Find("v")->pinned);
}

}  // namespace
}  // namespace infaas::controller
