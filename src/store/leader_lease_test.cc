#include "store/leader_lease.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "store/sqlite_metadata_store.h"

namespace infaas::store {
namespace {

namespace fs = std::filesystem;

class LeaderLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("infaas-lease-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = SqliteMetadataStore::Open(dir_ / "infaas.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static LeaderLease::Options Quick(std::string holder) {
    return {.holder = std::move(holder),
            .ttl = absl::Seconds(3),
            .renew_every = absl::Milliseconds(20),
            .safety_margin = absl::Milliseconds(100)};
  }

  fs::path dir_;
  std::unique_ptr<SqliteMetadataStore> store_;
};

TEST_F(LeaderLeaseTest, OneOfTwoLeadsAndTheOtherTakesOverWhenItStops) {
  auto a = LeaderLease::Start(store_.get(), Quick("master-a"));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE((*a)->Token().has_value()) << "alone on its store, a master leads at once";
  const int64_t first = *(*a)->Token();
  auto b = LeaderLease::Start(store_.get(), Quick("master-b"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE((*b)->Token().has_value());
  EXPECT_EQ((*b)->LastHolder(), "master-a");

  (*a)->Stop();  // releases: b need not wait for the ttl
  EXPECT_FALSE((*a)->Token().has_value());
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (!(*b)->Token().has_value() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE((*b)->Token().has_value()) << "b did not take over a released lease within 2 s";
  EXPECT_GT(*(*b)->Token(), first);
  // The store refuses what a's token would write now.
  v1::OfflineJob job;
  job.set_id("job-1");
  job.set_state(v1::OfflineJob::STATE_RUNNING);
  EXPECT_EQ(store_->PutJobFenced(job, (*a)->FenceOf(first)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->PutJobFenced(job, (*b)->FenceOf(*(*b)->Token())).ok());
}

TEST_F(LeaderLeaseTest, ALeaderThatCannotRenewStopsLeadingBeforeTheLeaseLapses) {
  FakeClock clock;
  LeaderLease::Options options = Quick("master-a");
  options.clock = &clock;
  options.renew_every = absl::Hours(1);  // no renewal comes: as if the store were cut off
  options.ttl = absl::Hours(2);
  options.safety_margin = absl::Minutes(10);
  auto a = LeaderLease::Start(store_.get(), options);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE((*a)->Token().has_value());
  clock.Advance(absl::Minutes(109));
  EXPECT_TRUE((*a)->Token().has_value());
  clock.Advance(absl::Minutes(1));  // ttl - margin since the request was sent
  EXPECT_FALSE((*a)->Token().has_value());
  // The store still holds it for a (by its own clock): nobody else leads
  // yet, and a already stopped.
  auto b = LeaderLease::Start(store_.get(), Quick("master-b"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE((*b)->Token().has_value());
  EXPECT_EQ((*b)->LastHolder(), "master-a");
}

TEST_F(LeaderLeaseTest, ALeaseThatWouldLapseBetweenRenewalsIsRefused) {
  LeaderLease::Options options = Quick("master-a");
  options.ttl = absl::Milliseconds(100);
  options.renew_every = absl::Milliseconds(100);
  auto lease = LeaderLease::Start(store_.get(), options);
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LeaderLease::Start(store_.get(), Quick("")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::store
