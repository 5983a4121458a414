// LoadCoordinator with in-process fake workers (testing/fake_worker.h) whose
// LoadVariant and UnloadVariant calls the tests hold open and release: one
// load and one unload per (worker, variant) with the later callers attached
// to it, its outcome told to every one of them, the cluster view showing a
// load in flight and hiding an unload in flight, and a destructor that waits
// for calls in flight and for their callbacks. Events are ordered
// with held calls and notifications, never with time.

#include "controller/load_coordinator.h"
#include "controller/grpc_worker_port.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using testing::FakeWorker;
using ::testing::HasSubstr;
using Method = FakeWorker::Method;

constexpr char kB1[] = "lenet5_onnx_cpu1_b1";
constexpr char kB8[] = "lenet5_onnx_cpu1_b8";

// What one EnsureLoaded caller hears: its callback stores the status once.
class LoadOutcome {
 public:
  LoadCoordinator::Done Callback() {
    return [this](absl::Status status) {
      status_ = std::move(status);
      told_.Notify();
    };
  }
  absl::Status Await() {
    told_.WaitForNotification();
    return status_;
  }
  bool told() const { return told_.HasBeenNotified(); }

 private:
  absl::Status status_;  // written before told_ is notified, read after
  absl::Notification told_;
};

class LoadCoordinatorTest : public ::testing::Test {
 protected:
  LoadCoordinatorTest()
      : clients_([this](const std::string& address) { return workers_.at(address)->NewStub(); }),
        port_(&clients_),
        loads_(std::make_unique<LoadCoordinator>(&port_, &cluster_)) {}

  static std::string Address(const std::string& id) { return absl::StrCat("fake:", id); }

  // A worker at "fake:<id>" that the cluster view knows, holding nothing.
  FakeWorker& AddWorker(const std::string& id) {
    std::unique_ptr<FakeWorker>& worker = workers_[Address(id)];
    worker = std::make_unique<FakeWorker>();
    cluster_.OnHeartbeat(testing::IdleWorkerBeat(id, Address(id), {}), clock_.Now());
    return *worker;
  }

  void EnsureLoaded(const std::string& variant, const std::string& worker_id,
                    LoadCoordinator::Done done, int instances = 1) {
    loads_->EnsureLoaded(testing::MakeVariant({.name = variant}), worker_id, Address(worker_id),
                         std::move(done), instances);
  }

  // What the cluster view shows of `variant` on `worker_id` now.
  std::optional<LoadedVariant> Shown(const std::string& worker_id, const std::string& variant) {
    const std::shared_ptr<const ClusterSnapshot> snapshot = cluster_.Snapshot(clock_.Now());
    for (const WorkerSnapshot& w : snapshot->workers) {
      if (w.id != worker_id) continue;
      if (const LoadedVariant* v = w.Find(variant); v != nullptr) return *v;
    }
    return std::nullopt;
  }

  FakeClock clock_;
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_;
  ClusterView cluster_{absl::Hours(1)};
  WorkerClients clients_;
  GrpcWorkerPort port_;
  std::unique_ptr<LoadCoordinator> loads_;  // before the workers and views go
};

TEST_F(LoadCoordinatorTest, ASecondRequestForALoadInFlightJoinsItAndHearsItsOutcome) {
  FakeWorker& worker = AddWorker("w1");
  worker.Hold(Method::kLoad);
  // A background load (nobody waits) of 2 instances, then two callers.
  EnsureLoaded(kB1, "w1", nullptr, /*instances=*/2);
  worker.AwaitHeld(1, Method::kLoad);
  LoadOutcome first;
  LoadOutcome second;
  EnsureLoaded(kB1, "w1", first.Callback(), /*instances=*/1);
  EnsureLoaded(kB1, "w1", second.Callback(), /*instances=*/3);
  EXPECT_FALSE(first.told());
  EXPECT_FALSE(second.told());

  worker.Release(Method::kLoad);
  EXPECT_TRUE(first.Await().ok());
  EXPECT_TRUE(second.Await().ok());
  loads_.reset();  // waits for any other load it might have started
  // One call, with the first request's record and count.
  ASSERT_EQ(worker.load_calls(), 1);
  EXPECT_EQ(worker.load_requests()[0].record().config().name(), kB1);
  EXPECT_EQ(worker.load_requests()[0].instances(), 2);
}

TEST_F(LoadCoordinatorTest, AFailedLoadTellsEveryWaiterItsErrorAndTheNextRequestStartsAfresh) {
  FakeWorker& worker = AddWorker("w1");
  worker.SetLoad([](const worker_rpc::LoadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "variant \"lenet5_onnx_cpu1_b1\": 64 MiB needed, 10 MiB free");
  });
  worker.Hold(Method::kLoad);
  LoadOutcome first;
  LoadOutcome second;
  EnsureLoaded(kB1, "w1", first.Callback());
  worker.AwaitHeld(1, Method::kLoad);
  EnsureLoaded(kB1, "w1", second.Callback());
  worker.Release(Method::kLoad);

  const absl::Status failed = first.Await();
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(failed.message(), HasSubstr("10 MiB free"));
  EXPECT_EQ(second.Await(), failed);
  EXPECT_FALSE(Shown("w1", kB1).has_value());  // neither loading nor loaded

  // The failure is not remembered: the next request loads again.
  worker.SetLoad(nullptr);
  LoadOutcome retry;
  EnsureLoaded(kB1, "w1", retry.Callback());
  EXPECT_TRUE(retry.Await().ok());
  EXPECT_EQ(worker.load_calls(), 2);
}

TEST_F(LoadCoordinatorTest, DifferentWorkersAndVariantsLoadIndependently) {
  FakeWorker& w1 = AddWorker("w1");
  FakeWorker& w2 = AddWorker("w2");
  w1.Hold(Method::kLoad);
  LoadOutcome b1_on_w1;
  LoadOutcome b8_on_w1;
  LoadOutcome b1_on_w2;
  EnsureLoaded(kB1, "w1", b1_on_w1.Callback());
  EnsureLoaded(kB8, "w1", b8_on_w1.Callback());
  EnsureLoaded(kB1, "w2", b1_on_w2.Callback());

  w1.AwaitHeld(2, Method::kLoad);      // two loads on w1, not one joined by the other
  EXPECT_TRUE(b1_on_w2.Await().ok());  // w2's finished while w1's are held
  EXPECT_FALSE(b1_on_w1.told());
  EXPECT_FALSE(b8_on_w1.told());

  w1.Release(Method::kLoad);
  EXPECT_TRUE(b1_on_w1.Await().ok());
  EXPECT_TRUE(b8_on_w1.Await().ok());
  EXPECT_EQ(w1.load_calls(), 2);
  EXPECT_EQ(w2.load_calls(), 1);
}

TEST_F(LoadCoordinatorTest, TheClusterViewShowsALoadInFlightAsLoadingUntilItEnds) {
  FakeWorker& worker = AddWorker("w1");
  worker.Hold(Method::kLoad);
  LoadOutcome loaded;
  EnsureLoaded(kB1, "w1", loaded.Callback());

  std::optional<LoadedVariant> shown = Shown("w1", kB1);
  ASSERT_TRUE(shown.has_value());
  EXPECT_TRUE(shown->loading);
  EXPECT_FALSE(shown->serving());

  worker.Release(Method::kLoad);
  ASSERT_TRUE(loaded.Await().ok());
  // Serving before the worker's next heartbeat reports it.
  shown = Shown("w1", kB1);
  ASSERT_TRUE(shown.has_value());
  EXPECT_FALSE(shown->loading);
  EXPECT_TRUE(shown->serving());
}

TEST_F(LoadCoordinatorTest, AnUnloadInFlightIsJoinedAndHidesTheVariantUntilItFails) {
  FakeWorker& worker = AddWorker("w1");
  cluster_.OnHeartbeat(testing::IdleWorkerBeat("w1", Address("w1"), {kB1}), clock_.Now());
  ASSERT_TRUE(Shown("w1", kB1).has_value());
  worker.SetUnload([](const worker_rpc::UnloadVariantRequest&) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "worker w1 is stopping");
  });
  worker.Hold(Method::kUnload);
  LoadOutcome first;
  LoadOutcome second;
  loads_->Unload("w1", Address("w1"), kB1, /*keep=*/0, first.Callback());
  worker.AwaitHeld(1, Method::kUnload);
  loads_->Unload("w1", Address("w1"), kB1, /*keep=*/0, second.Callback());
  // Hidden at once: no query is sent to a variant on its way out.
  EXPECT_FALSE(Shown("w1", kB1).has_value());

  worker.Release(Method::kUnload);
  const absl::Status failed = first.Await();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(second.Await(), failed);
  EXPECT_EQ(worker.unload_calls(), 1);
  // It failed, so the variant is still there: it shows again.
  EXPECT_TRUE(Shown("w1", kB1).has_value());
}

TEST_F(LoadCoordinatorTest, AnUnloadThatKeepsInstancesLeavesTheVariantShownAndSaysHowMany) {
  FakeWorker& worker = AddWorker("w1");
  cluster_.OnHeartbeat(testing::IdleWorkerBeat("w1", Address("w1"), {kB1}), clock_.Now());
  LoadOutcome done;
  loads_->Unload("w1", Address("w1"), kB1, /*keep=*/1, done.Callback());
  EXPECT_TRUE(Shown("w1", kB1).has_value());  // while in flight, too
  EXPECT_TRUE(done.Await().ok());
  EXPECT_TRUE(Shown("w1", kB1).has_value());
  ASSERT_EQ(worker.unload_calls(), 1);
  EXPECT_EQ(worker.unload_requests()[0].variant(), kB1);
  EXPECT_EQ(worker.unload_requests()[0].keep_instances(), 1);
}

// The coordinator goes while its load is held on the worker: the destructor
// returns only once the load has been answered and its caller told, and the
// callback never runs after it (ASan checks the coordinator's own memory in
// the clang build).
TEST_F(LoadCoordinatorTest, DestructionWaitsForALoadInFlightAndItsCallback) {
  FakeWorker& worker = AddWorker("w1");
  worker.Hold(Method::kLoad);
  std::atomic<bool> destroyed{false};
  std::atomic<bool> called{false};
  EnsureLoaded(kB1, "w1", [&](absl::Status status) {
    EXPECT_FALSE(destroyed.load()) << "called after the coordinator was destroyed";
    EXPECT_TRUE(status.ok()) << status;
    called = true;
  });
  worker.AwaitHeld(1, Method::kLoad);

  absl::Notification destroying;
  std::thread destroyer([&] {
    destroying.Notify();
    loads_.reset();
    destroyed = true;
    EXPECT_TRUE(called.load()) << "the destructor returned before the callback ran";
  });
  destroying.WaitForNotification();
  worker.Release(Method::kLoad);
  destroyer.join();
  EXPECT_TRUE(called.load());
  EXPECT_TRUE(Shown("w1", kB1).has_value());  // the load's outcome reached the view
}

// The load has finished and its caller's callback is still running: the
// destructor waits for it too.
TEST_F(LoadCoordinatorTest, DestructionWaitsForACallbackStillRunning) {
  AddWorker("w1");
  absl::Notification in_callback;
  absl::Notification let_callback_return;
  std::atomic<bool> destroyed{false};
  std::atomic<bool> returned{false};
  EnsureLoaded(kB1, "w1", [&](absl::Status) {
    in_callback.Notify();
    let_callback_return.WaitForNotification();
    EXPECT_FALSE(destroyed.load()) << "the coordinator was destroyed under its callback";
    returned = true;
  });
  in_callback.WaitForNotification();

  absl::Notification destroying;
  std::thread destroyer([&] {
    destroying.Notify();
    loads_.reset();
    destroyed = true;
    EXPECT_TRUE(returned.load()) << "the destructor returned while a callback ran";
  });
  destroying.WaitForNotification();
  let_callback_return.Notify();
  destroyer.join();
  EXPECT_TRUE(returned.load());
}

}  // namespace
}  // namespace infaas::controller
