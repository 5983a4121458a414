// Autoscaler, the executor: a scripted policy decides, and the tests check
// what reaches the fake workers (testing/fake_worker.h), the fake
// provisioner (testing/fake_provisioner.h) and the cluster view — loads and
// drained unloads, replacements in order, the vetoes for pinned variants and
// offline work, workers starting and draining on a fake clock, requested
// loads handed to the policy, and a destructor that waits for the callbacks
// it started. Events are ordered with held calls and notifications, never
// with time; Settle() destroys the autoscaler and the load coordinator, whose
// destructors wait for every call they started.

#include "autoscaler/autoscaler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "autoscaler/testing/fake_provisioner.h"
#include "controller/grpc_worker_port.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"

namespace infaas::autoscaler {
namespace {

using controller::testing::FakeWorker;
using controller::testing::MakeVariant;
using controller::testing::StoredCatalogue;
using ::testing::ElementsAre;
using testing::FakeProvisioner;
using ::testing::IsEmpty;
using Kind = ScalingAction::Kind;
using Method = FakeWorker::Method;

constexpr char kB1[] = "lenet5_onnx_cpu1_b1";
constexpr char kB8[] = "lenet5_onnx_cpu1_b8";
constexpr char kCpu2[] = "lenet5_onnx_cpu2_b1";

ScalingAction SetInstances(const std::string& variant, const std::string& worker, int instances) {
  return {.kind = Kind::kSetInstances,
          .variant = variant,
          .worker_id = worker,
          .instances = instances,
          .reason = "scripted"};
}

ScalingAction Replace(const std::string& variant, const std::string& replaces,
                      const std::string& worker) {
  return {.kind = Kind::kReplace,
          .variant = variant,
          .replaces = replaces,
          .worker_id = worker,
          .instances = 1,
          .reason = "scripted"};
}

ScalingAction AddWorkerAction() { return {.kind = Kind::kAddWorker, .reason = "scripted"}; }

ScalingAction RemoveWorkerAction(const std::string& worker) {
  return {.kind = Kind::kRemoveWorker, .worker_id = worker, .reason = "scripted"};
}

// The selector's recommendation to load `variant` on `worker`.
controller::LoadRecommendation Recommend(const std::string& variant, const std::string& worker) {
  controller::LoadRecommendation load;
  load.variant = variant;
  load.worker_id = worker;
  load.worker_address = absl::StrCat("fake:", worker);
  load.reason = "cheaper";
  return load;
}

// What the test's policy decides, round by round, and what each round saw.
// Owned by the test, so it outlives the autoscaler. Thread-safe: after
// Start(), rounds run on the autoscaler's thread.
class Script {
 public:
  struct Round {
    WorkerPool pool;
    std::vector<controller::LoadRecommendation> load_requests;
  };

  // The next round not yet scripted decides `actions`; unscripted rounds
  // decide nothing.
  void Then(std::vector<ScalingAction> actions) {
    absl::MutexLock lock(&mu_);
    next_.push_back(std::move(actions));
  }

  std::vector<ScalingAction> Decide(const ScalingInput& input) {
    absl::MutexLock lock(&mu_);
    rounds_.push_back({.pool = input.pool, .load_requests = input.load_requests});
    if (next_.empty()) return {};
    std::vector<ScalingAction> actions = std::move(next_.front());
    next_.pop_front();
    return actions;
  }

  std::vector<Round> rounds() const {
    absl::MutexLock lock(&mu_);
    return rounds_;
  }

  // Whether `n` rounds ran within `timeout` (a guard against a hang, not a
  // measure of speed).
  bool AwaitRounds(int n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return static_cast<int>(rounds_.size()) >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<std::vector<ScalingAction>> next_ ABSL_GUARDED_BY(mu_);
  std::vector<Round> rounds_ ABSL_GUARDED_BY(mu_);
};

class ScriptedPolicy final : public ScalingPolicy {
 public:
  explicit ScriptedPolicy(Script* script) : script_(script) {}
  const std::string& name() const override { return name_; }
  std::vector<ScalingAction> Decide(const ScalingInput& input) override {
    return script_->Decide(input);
  }

 private:
  const std::string name_ = "scripted";
  Script* const script_;
};

// Leads when given a token; the test moves it.
class FakeLeadership final : public Leadership {
 public:
  std::optional<int64_t> Token() const override {
    absl::MutexLock lock(&mu_);
    return token_;
  }
  void Set(std::optional<int64_t> token) {
    absl::MutexLock lock(&mu_);
    token_ = token;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<int64_t> token_ ABSL_GUARDED_BY(mu_);
};

class AutoscalerTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kStartTimeout = absl::Seconds(60);
  static constexpr absl::Duration kDrainTimeout = absl::Seconds(30);

  AutoscalerTest()
      : catalogue_(StoredCatalogue::Create(
                       "autoscaler-test",
                       {MakeVariant({.name = kB1}), MakeVariant({.name = kB8, .max_batch = 8}),
                        MakeVariant({.name = kCpu2, .threads = 2})})
                       .value()),
        clients_([this](const std::string& address) { return workers_.at(address)->NewStub(); }),
        port_(&clients_),
        loads_(std::make_unique<controller::LoadCoordinator>(&port_, &cluster_)),
        autoscaler_(Make(&provisioner_)) {}

  // An autoscaler over this fixture's views, clients, load coordinator and
  // script, with `provisioner` (may be null).
  // With `leadership`, it acts only while that leads, with a fresh policy
  // (counted in policies_made_) for each term.
  std::unique_ptr<Autoscaler> Make(Provisioner* provisioner,
                                   absl::Duration period = absl::Seconds(1),
                                   const Leadership* leadership = nullptr) {
    return std::make_unique<Autoscaler>(
        Autoscaler::Dependencies{
            .catalogue = catalogue_->view(),
            .cluster = &cluster_,
            .demand = &demand_,
            .loads = loads_.get(),
            .provisioner = provisioner,
            .clock = &clock_,
            .pinned = [this](const std::string& variant) { return pinned_.contains(variant); },
            .leadership = leadership,
            .new_policy =
                [this] {
                  ++policies_made_;
                  return std::make_unique<ScriptedPolicy>(&script_);
                },
            .provisioner_calls = &inline_},
        std::make_unique<ScriptedPolicy>(&script_),
        Autoscaler::Options{.period = period,
                            .max_workers = 4,
                            .start_timeout = kStartTimeout,
                            .drain_timeout = kDrainTimeout});
  }

  static std::string Address(const std::string& id) { return absl::StrCat("fake:", id); }

  // The heartbeat of worker `id`: one instance of each of `variants`, each
  // with `queue` online queries queued.
  static worker_rpc::HeartbeatRequest Beat(const std::string& id,
                                           const std::vector<std::string>& variants,
                                           int queue = 0) {
    return controller::testing::IdleWorkerBeat(id, Address(id), variants, 4, queue);
  }

  void Heartbeat(const worker_rpc::HeartbeatRequest& beat) {
    cluster_.OnHeartbeat(beat, clock_.Now());
  }

  // A fake worker at "fake:<id>", heard from now with `beat`.
  FakeWorker& AddWorkerWith(const worker_rpc::HeartbeatRequest& beat) {
    std::unique_ptr<FakeWorker>& worker = workers_[Address(beat.worker_id())];
    if (worker == nullptr) worker = std::make_unique<FakeWorker>();
    Heartbeat(beat);
    return *worker;
  }
  FakeWorker& AddWorker(const std::string& id, const std::vector<std::string>& variants) {
    return AddWorkerWith(Beat(id, variants));
  }

  // Waits for every call the autoscaler and the load coordinator started
  // (their destructors do) and for the provisioner calls queued.
  void Settle() {
    autoscaler_.reset();
    loads_.reset();
  }

  // What the cluster view shows of worker `id` now.
  std::optional<controller::WorkerSnapshot> Shown(const std::string& id) {
    for (const controller::WorkerSnapshot& w : cluster_.Snapshot(clock_.Now())->workers) {
      if (w.id == id) return w;
    }
    return std::nullopt;
  }
  std::optional<controller::LoadedVariant> Shown(const std::string& id,
                                                 const std::string& variant) {
    std::optional<controller::WorkerSnapshot> w = Shown(id);
    if (!w.has_value() || w->Find(variant) == nullptr) return std::nullopt;
    return *w->Find(variant);
  }

  std::vector<Kind> KindsTaken() const {
    std::vector<Kind> kinds;
    for (const Autoscaler::Event& e : autoscaler_->RecentEvents()) kinds.push_back(e.action.kind);
    return kinds;
  }

  // Provisioner calls run within the round that made them: a test sees
  // whether a round removed a worker as soon as it returns.
  class InlineScheduler final : public Scheduler {
   public:
    void After(absl::Duration, absl::AnyInvocable<void()> task) override { task(); }
  };

  FakeClock clock_;
  InlineScheduler inline_;
  std::unique_ptr<StoredCatalogue> catalogue_;
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_;
  controller::ClusterView cluster_{absl::Hours(1)};  // time moves only when a test says
  controller::DemandTracker demand_{&clock_};
  controller::WorkerClients clients_;
  controller::GrpcWorkerPort port_;
  FakeProvisioner provisioner_;
  Script script_;
  std::set<std::string> pinned_;  // read by the autoscaler's rounds
  int policies_made_ = 0;         // by new_policy, on the ticking thread
  std::unique_ptr<controller::LoadCoordinator> loads_;
  std::unique_ptr<Autoscaler> autoscaler_;  // destroyed first
};

TEST_F(AutoscalerTest, MoreInstancesLoadWithTheNewCount) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  script_.Then({SetInstances(kB1, "w1", 3)});
  autoscaler_->Tick();
  EXPECT_THAT(KindsTaken(), ElementsAre(Kind::kSetInstances));
  Settle();
  ASSERT_EQ(worker.load_calls(), 1);
  EXPECT_EQ(worker.load_requests()[0].record().config().name(), kB1);
  EXPECT_EQ(worker.load_requests()[0].instances(), 3);
  EXPECT_EQ(worker.unload_calls(), 0);
}

TEST_F(AutoscalerTest, FewerInstancesUnloadKeepingTheCountAndTheVariantServes) {
  worker_rpc::HeartbeatRequest beat = Beat("w1", {kB1});
  beat.mutable_variants(0)->set_instances(3);
  FakeWorker& worker = AddWorkerWith(beat);
  script_.Then({SetInstances(kB1, "w1", 1)});
  autoscaler_->Tick();
  Settle();
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
  EXPECT_EQ(worker.unload_requests()[0].keep_instances(), 1);
  EXPECT_EQ(worker.load_calls(), 0);
  EXPECT_TRUE(Shown("w1", kB1).has_value());  // the instance kept still takes queries
}

TEST_F(AutoscalerTest, NoInstancesUnloadTheVariantAndHideItAtOnce) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  worker.Hold(Method::kUnload);
  script_.Then({SetInstances(kB1, "w1", 0)});
  autoscaler_->Tick();
  EXPECT_FALSE(Shown("w1", kB1).has_value());  // no query goes there while it unloads
  worker.AwaitHeld(1, Method::kUnload);
  worker.Release(Method::kUnload);
  Settle();
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
  EXPECT_EQ(worker.unload_requests()[0].keep_instances(), 0);
}

TEST_F(AutoscalerTest, AReplacementLoadsTheNewVariantThenUnloadsTheOld) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  worker.Hold(Method::kLoad);
  script_.Then({Replace(kB8, kB1, "w1")});
  autoscaler_->Tick();
  worker.AwaitHeld(1, Method::kLoad);
  // While the new one loads, the old one serves and nothing is unloaded.
  ASSERT_TRUE(Shown("w1", kB8).has_value());
  EXPECT_TRUE(Shown("w1", kB8)->loading);
  EXPECT_TRUE(Shown("w1", kB1).has_value());
  EXPECT_EQ(worker.unload_calls(), 0);

  worker.Release(Method::kLoad);
  Settle();
  ASSERT_EQ(worker.load_calls(), 1);
  EXPECT_EQ(worker.load_requests()[0].record().config().name(), kB8);
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
  EXPECT_EQ(worker.unload_requests()[0].keep_instances(), 0);
  EXPECT_FALSE(Shown("w1", kB1).has_value());
  EXPECT_TRUE(Shown("w1", kB8).has_value());
}

TEST_F(AutoscalerTest, OnlyTheLeaderActsEachTermAfreshAndStampsItsToken) {
  FakeLeadership leadership;
  autoscaler_ = Make(&provisioner_, absl::Seconds(1), &leadership);
  FakeWorker& worker = AddWorker("w1", {kB1});
  script_.Then({SetInstances(kB8, "w1", 1)});
  script_.Then({SetInstances(kB1, "w1", 0)});
  autoscaler_->Tick();  // following: decides nothing, takes nothing
  EXPECT_TRUE(autoscaler_->RecentEvents().empty());
  EXPECT_EQ(policies_made_, 0);

  leadership.Set(7);
  autoscaler_->Tick();
  EXPECT_EQ(policies_made_, 1) << "a term starts with a fresh policy";
  leadership.Set(std::nullopt);  // lost
  autoscaler_->Tick();
  leadership.Set(9);  // a later term: fresh again
  autoscaler_->Tick();
  EXPECT_EQ(policies_made_, 2);
  Settle();
  ASSERT_EQ(worker.load_calls(), 1);
  EXPECT_EQ(worker.load_requests()[0].record().config().name(), kB8);
  EXPECT_EQ(worker.load_requests()[0].leader_token(), 7);
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
  EXPECT_EQ(worker.unload_requests()[0].leader_token(), 9);
}

TEST_F(AutoscalerTest, AReplacementWhoseLoadFailsKeepsTheOldVariant) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  worker.SetLoad([](const worker_rpc::LoadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "not enough memory");
  });
  script_.Then({Replace(kB8, kB1, "w1")});
  autoscaler_->Tick();
  Settle();
  EXPECT_EQ(worker.load_calls(), 1);
  EXPECT_EQ(worker.unload_calls(), 0);
  EXPECT_TRUE(Shown("w1", kB1).has_value());
  EXPECT_FALSE(Shown("w1", kB8).has_value());
}

TEST_F(AutoscalerTest, APinnedVariantIsNeverUnloadedNorReplaced) {
  FakeWorker& worker = AddWorker("w1", {kB1, kB8});
  pinned_ = {kB1};
  script_.Then({SetInstances(kB1, "w1", 0), Replace(kCpu2, kB1, "w1"), SetInstances(kB8, "w1", 0)});
  autoscaler_->Tick();
  EXPECT_THAT(KindsTaken(), ElementsAre(Kind::kSetInstances));  // kB8's unload only
  Settle();
  EXPECT_EQ(worker.load_calls(), 0);
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB8);
  EXPECT_TRUE(Shown("w1", kB1).has_value());
}

TEST_F(AutoscalerTest, AVariantWithOfflineWorkQueuedIsNeitherUnloadedNorReplacedThere) {
  worker_rpc::HeartbeatRequest busy_beat = Beat("w1", {kB1});
  busy_beat.mutable_variants(0)->set_offline_queue_length(5);
  FakeWorker& busy = AddWorkerWith(busy_beat);
  FakeWorker& idle = AddWorker("w2", {kB1});
  script_.Then({SetInstances(kB1, "w1", 0), Replace(kCpu2, kB1, "w1"), SetInstances(kB1, "w2", 0)});
  autoscaler_->Tick();
  EXPECT_THAT(KindsTaken(), ElementsAre(Kind::kSetInstances));  // on w2 only
  Settle();
  EXPECT_EQ(busy.load_calls(), 0);
  EXPECT_EQ(busy.unload_calls(), 0);
  EXPECT_TRUE(Shown("w1", kB1).has_value());
  ASSERT_EQ(idle.unload_calls(), 1);
  EXPECT_EQ(idle.unload_requests()[0].variant(), kB1);
}

TEST_F(AutoscalerTest, ActionsForAnUnknownVariantOrWorkerAreDropped) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  script_.Then({SetInstances("lenet5_onnx_cpu9_b1", "w1", 1), SetInstances(kB1, "w9", 2)});
  autoscaler_->Tick();
  EXPECT_THAT(KindsTaken(), IsEmpty());
  Settle();
  EXPECT_EQ(worker.load_calls(), 0);
}

TEST_F(AutoscalerTest, AnAddedWorkerCountsAsStartingUntilItHeartbeats) {
  script_.Then({AddWorkerAction()});
  autoscaler_->Tick();
  EXPECT_THAT(provisioner_.added(), ElementsAre("auto-1"));
  autoscaler_->Tick();
  clock_.Advance(absl::Seconds(5));
  AddWorker("auto-1", {});
  autoscaler_->Tick();

  const std::vector<Script::Round> rounds = script_.rounds();
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(rounds[0].pool.starting, 0);
  EXPECT_EQ(rounds[0].pool.max_workers, 4);
  EXPECT_EQ(rounds[1].pool.starting, 1);
  EXPECT_THAT(rounds[1].pool.removable, IsEmpty());
  // Joined: live, and the provisioner's to remove.
  EXPECT_EQ(rounds[2].pool.starting, 0);
  EXPECT_THAT(rounds[2].pool.removable, ElementsAre("auto-1"));
}

TEST_F(AutoscalerTest, AnAddedWorkerThatNeverHeartbeatsStopsCountingAfterTheStartTimeout) {
  script_.Then({AddWorkerAction()});
  autoscaler_->Tick();
  clock_.Advance(kStartTimeout);
  autoscaler_->Tick();
  clock_.Advance(absl::Seconds(1));
  autoscaler_->Tick();
  const std::vector<Script::Round> rounds = script_.rounds();
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(rounds[1].pool.starting, 1);  // waited start_timeout, not longer
  EXPECT_EQ(rounds[2].pool.starting, 0);
}

TEST_F(AutoscalerTest, AWorkerThatFailedToStartIsNotCountedAsStarting) {
  provisioner_.FailAdds(absl::ResourceExhaustedError("no more cores"));
  script_.Then({AddWorkerAction()});
  autoscaler_->Tick();
  autoscaler_->Tick();
  EXPECT_EQ(script_.rounds()[1].pool.starting, 0);
}

TEST_F(AutoscalerTest, ADrainingWorkerStaysWhileItsHeartbeatsShowQueuedQueries) {
  AddWorker("w1", {kB1});
  provisioner_.Adopt("w1");
  script_.Then({RemoveWorkerAction("w1")});
  autoscaler_->Tick();
  ASSERT_TRUE(Shown("w1").has_value());
  EXPECT_TRUE(Shown("w1")->draining);  // the selector sends it nothing new
  // Its last heartbeat (idle) is from before the drain: it proves nothing.
  clock_.Advance(absl::Seconds(1));
  autoscaler_->Tick();
  // A fresh one shows queries still queued.
  clock_.Advance(absl::Seconds(1));
  Heartbeat(Beat("w1", {kB1}, /*queue=*/3));
  autoscaler_->Tick();

  EXPECT_THAT(script_.rounds()[1].pool.removable, IsEmpty());  // being removed already
  Settle();                                                    // runs any removal queued
  EXPECT_THAT(provisioner_.removed(), IsEmpty());
  EXPECT_TRUE(Shown("w1").has_value());
}

TEST_F(AutoscalerTest, ADrainedWorkerIsRemovedOnceAHeartbeatShowsNothingQueued) {
  AddWorker("w1", {kB1});
  AddWorker("w2", {kB1});
  provisioner_.Adopt("w1");
  provisioner_.Adopt("w2");
  script_.Then({RemoveWorkerAction("w1")});
  autoscaler_->Tick();
  clock_.Advance(absl::Seconds(1));
  Heartbeat(Beat("w1", {kB1}, /*queue=*/0));
  autoscaler_->Tick();
  provisioner_.AwaitRemovals(1);
  EXPECT_THAT(provisioner_.removed(), ElementsAre("w1"));
  Settle();
  EXPECT_FALSE(Shown("w1").has_value());  // forgotten at once, not when it goes silent
  EXPECT_TRUE(Shown("w2").has_value());
}

// Removing a worker with calls out would lose their answers; the simulator
// once waited for these and the master did not: one rule now, in this code.
TEST_F(AutoscalerTest, ADrainingWorkerStaysWhileTheMasterHasCallsOutToIt) {
  AddWorker("w1", {kB1});
  provisioner_.Adopt("w1");
  cluster_.NoteDispatched("w1", kB1, 1);  // sent, not yet answered
  script_.Then({RemoveWorkerAction("w1")});
  autoscaler_->Tick();
  clock_.Advance(absl::Seconds(1));
  Heartbeat(Beat("w1", {kB1}, /*queue=*/0));  // nothing queued there
  autoscaler_->Tick();
  EXPECT_THAT(provisioner_.removed(), IsEmpty());  // removals run within the round here
  cluster_.NoteAnswered("w1", kB1, 1, /*overhead_ms=*/0.5);
  clock_.Advance(absl::Seconds(1));
  Heartbeat(Beat("w1", {kB1}, /*queue=*/0));
  autoscaler_->Tick();
  EXPECT_THAT(provisioner_.removed(), ElementsAre("w1"));
}

TEST_F(AutoscalerTest, AWorkerStillBusyAfterTheDrainTimeoutIsRemovedAnyway) {
  AddWorker("w1", {kB1});
  provisioner_.Adopt("w1");
  script_.Then({RemoveWorkerAction("w1")});
  autoscaler_->Tick();
  clock_.Advance(kDrainTimeout + absl::Seconds(1));
  Heartbeat(Beat("w1", {kB1}, /*queue=*/3));
  autoscaler_->Tick();
  provisioner_.AwaitRemovals(1);
  EXPECT_THAT(provisioner_.removed(), ElementsAre("w1"));
}

TEST_F(AutoscalerTest, WithoutAProvisionerWorkerActionsAreIgnored) {
  autoscaler_ = Make(/*provisioner=*/nullptr);
  AddWorker("w1", {kB1});
  script_.Then({AddWorkerAction(), RemoveWorkerAction("w1")});
  autoscaler_->Tick();
  autoscaler_->Tick();
  EXPECT_THAT(KindsTaken(), IsEmpty());
  EXPECT_FALSE(Shown("w1")->draining);
  EXPECT_EQ(script_.rounds()[1].pool.max_workers, 0);  // worker scaling is off
}

TEST_F(AutoscalerTest, RequestedLoadsReachTheNextRoundOnceAndLoadNothingThemselves) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  autoscaler_->RequestLoad(Recommend(kB8, "w1"));
  autoscaler_->RequestLoad(Recommend(kB8, "w1"));
  autoscaler_->RequestLoad(Recommend(kCpu2, "w1"));
  autoscaler_->Tick();
  autoscaler_->Tick();
  Settle();

  const std::vector<Script::Round> rounds = script_.rounds();
  ASSERT_EQ(rounds.size(), 2u);
  ASSERT_EQ(rounds[0].load_requests.size(), 2u);  // the repeat is dropped
  EXPECT_EQ(rounds[0].load_requests[0].variant, kB8);
  EXPECT_EQ(rounds[0].load_requests[1].variant, kCpu2);
  EXPECT_THAT(rounds[1].load_requests, IsEmpty());
  EXPECT_EQ(worker.load_calls(), 0);  // the policy decides; this one decided nothing
}

TEST_F(AutoscalerTest, ARequestedLoadStartsARoundWithoutWaitingForThePeriod) {
  autoscaler_ = Make(&provisioner_, /*period=*/absl::Hours(24));
  autoscaler_->Start();
  autoscaler_->RequestLoad(Recommend(kB8, "w1"));
  ASSERT_TRUE(script_.AwaitRounds(1, absl::Minutes(1)));
  autoscaler_->Stop();
  ASSERT_THAT(script_.rounds(), ::testing::SizeIs(1));
  ASSERT_EQ(script_.rounds()[0].load_requests.size(), 1u);
  EXPECT_EQ(script_.rounds()[0].load_requests[0].variant, kB8);
}

// The autoscaler goes while its unload is held on the worker. The unload is
// the load coordinator's call, not the autoscaler's: the autoscaler's
// destructor need not wait for it, and nothing of the autoscaler is touched
// when it ends (ASan checks its memory in the clang build); the
// coordinator's destructor waits for it (here it shows the variant again,
// the unload having failed).
TEST_F(AutoscalerTest, AnUnloadInFlightOutlivesTheAutoscalerAndEndsInTheCoordinator) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  worker.SetUnload([](const worker_rpc::UnloadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the variant is busy");
  });
  worker.Hold(Method::kUnload);
  script_.Then({SetInstances(kB1, "w1", 0)});
  autoscaler_->Tick();
  worker.AwaitHeld(1, Method::kUnload);
  ASSERT_FALSE(Shown("w1", kB1).has_value());
  autoscaler_.reset();  // returns with the unload still held

  absl::Notification destroying;
  std::thread destroyer([&] {
    destroying.Notify();
    loads_.reset();
    EXPECT_TRUE(Shown("w1", kB1).has_value()) << "the coordinator went before the unload ended";
  });
  destroying.WaitForNotification();
  worker.Release(Method::kUnload);
  destroyer.join();
}

// Destroyed while the new variant of a replacement loads: the autoscaler's
// destructor waits for the load's callback (it captures the autoscaler),
// which starts the old variant's unload; the coordinator's waits for that.
TEST_F(AutoscalerTest, DestructionWaitsForAReplacementToFinish) {
  FakeWorker& worker = AddWorker("w1", {kB1});
  worker.Hold(Method::kLoad);
  script_.Then({Replace(kB8, kB1, "w1")});
  autoscaler_->Tick();
  worker.AwaitHeld(1, Method::kLoad);

  absl::Notification destroying;
  std::thread destroyer([&] {
    destroying.Notify();
    autoscaler_.reset();  // waits for the load's callback, which starts the unload
    loads_.reset();       // waits for that unload
    EXPECT_EQ(worker.unload_calls(), 1) << "the destructor returned before the old one unloaded";
  });
  destroying.WaitForNotification();
  worker.Release(Method::kLoad);
  destroyer.join();
  Settle();
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
}

}  // namespace
}  // namespace infaas::autoscaler
