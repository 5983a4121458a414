#include "worker/heartbeater.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "worker/testing/fake_master.h"
#include "worker/testing/fake_model.h"

namespace infaas::worker {
namespace {

using infaas::worker_rpc::HeartbeatRequest;
using testing::FakeLoader;
using testing::FakeLoaderState;
using testing::FakeMaster;
using testing::FakeVariantRecord;
using testing::TestServer;

class HeartbeaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto variants = LoadedVariants::Create(
        {.worker_id = "w1", .repository_root = "/nonexistent", .loader = FakeLoader(state_)});
    ASSERT_TRUE(variants.ok()) << variants.status();
    variants_ = *std::move(variants);
  }

  std::unique_ptr<Heartbeater> Start(const std::string& master, absl::Duration interval) {
    auto heartbeater = Heartbeater::Create({.worker_id = "w1",
                                            .worker_address = "127.0.0.1:4242",
                                            .master_address = master,
                                            .interval = interval},
                                           variants_.get());
    EXPECT_TRUE(heartbeater.ok()) << heartbeater.status();
    return heartbeater.ok() ? *std::move(heartbeater) : nullptr;
  }

  std::shared_ptr<FakeLoaderState> state_ = std::make_shared<FakeLoaderState>();
  std::unique_ptr<LoadedVariants> variants_;
};

TEST_F(HeartbeaterTest, TellsTheMasterItsAddressMachineAndLoadedVariants) {
  FakeMaster master;
  TestServer server(&master);
  ASSERT_NE(server.server, nullptr);
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 2).ok());
  auto heartbeater = Start(server.address(), absl::Milliseconds(20));
  ASSERT_NE(heartbeater, nullptr);

  const HeartbeatRequest beat =
      master.AwaitRequest([](const HeartbeatRequest& r) { return r.variants_size() == 1; });
  heartbeater->Stop();
  EXPECT_EQ(beat.worker_id(), "w1");
  EXPECT_EQ(beat.address(), "127.0.0.1:4242");
  EXPECT_GE(beat.cores(), 1);
  EXPECT_GT(beat.free_memory_bytes(), 0);
  EXPECT_GE(beat.cpu_utilization(), 0.0);
  EXPECT_LE(beat.cpu_utilization(), 1.0);
  EXPECT_EQ(beat.variants(0).variant(), "fake_b8");
  EXPECT_EQ(beat.variants(0).instances(), 2);
}

TEST_F(HeartbeaterTest, FollowsTheIntervalTheMasterAsksFor) {
  FakeMaster master(/*interval_ms=*/20);
  TestServer server(&master);
  // Without the master's interval the second beat would take an hour.
  auto heartbeater = Start(server.address(), absl::Hours(1));
  ASSERT_NE(heartbeater, nullptr);
  master.AwaitRequests(2);
  // The second beat leaves only after the first one's answer was read.
  EXPECT_EQ(heartbeater->interval(), absl::Milliseconds(20));
  EXPECT_GE(heartbeater->acknowledged(), 1);
}

TEST_F(HeartbeaterTest, KeepsBeatingWhileTheMasterIsUnreachable) {
  int port = 0;
  {
    FakeMaster gone;
    TestServer probe(&gone);  // find a free port, then free it again
    port = probe.port;
  }
  auto heartbeater = Start(absl::StrCat("127.0.0.1:", port), absl::Milliseconds(20));
  ASSERT_NE(heartbeater, nullptr);
  FakeMaster master;
  TestServer server(&master, port);
  ASSERT_NE(server.server, nullptr) << "port " << port << " was taken meanwhile";
  master.AwaitRequests(1);
  heartbeater->Stop();
}

TEST_F(HeartbeaterTest, StopCancelsAHeartbeatTheMasterHasNotAnswered) {
  FakeMaster master(/*interval_ms=*/0, /*hold_answers=*/true);
  TestServer server(&master);
  auto heartbeater = Start(server.address(), absl::Milliseconds(20));
  ASSERT_NE(heartbeater, nullptr);
  master.AwaitRequests(1);
  heartbeater->Stop();  // returns although the master never answers
  EXPECT_EQ(heartbeater->acknowledged(), 0);
  master.FinishHeld();
}

TEST_F(HeartbeaterTest, RejectsMissingAddressesAndABadInterval) {
  EXPECT_FALSE(
      Heartbeater::Create({.worker_id = "w1", .worker_address = "a:1"}, variants_.get()).ok());
  EXPECT_FALSE(Heartbeater::Create({.worker_id = "w1",
                                    .worker_address = "a:1",
                                    .master_address = "b:2",
                                    .interval = absl::ZeroDuration()},
                                   variants_.get())
                   .ok());
}

}  // namespace
}  // namespace infaas::worker
