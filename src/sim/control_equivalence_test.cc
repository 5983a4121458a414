// One control core, two sets of ports. The same scenario — demand that
// steps up and down over two workers, a variant pinned, rounds of the
// infaas2021 policy, whose CPU rule adds a worker while the heartbeats show
// the workers busy and drains and removes it once they are idle — runs through
// autoscaler::ControlCore twice:
//  - with the simulator's ports: emulated workers behind a SimWorkerPort on
//    an EventLoop's virtual time (the LoopScheduler for provisioner calls);
//  - with the master's: the gRPC worker port over in-process fake workers
//    (controller/testing/fake_worker.h), on a FakeClock.
// Heartbeats are the same script in both (each worker reports what the
// view shows it serving, nothing queued, busy or idle by the second), so any difference in the
// decisions would come from the core depending on its ports. Both give the same sequence: every
// selection, every scaling action, every worker removed.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "autoscaler/control_core.h"
#include "autoscaler/testing/fake_provisioner.h"
#include "controller/grpc_worker_port.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/variant_records.h"
#include "sim/emulated_worker.h"
#include "sim/event_loop.h"
#include "sim/loop_scheduler.h"
#include "sim/sim_worker_port.h"

namespace infaas::sim {
namespace {

using autoscaler::testing::FakeProvisioner;
using controller::testing::FakeWorker;
using controller::testing::MakeVariant;

constexpr char kPinned[] = "vgg_mini_onnx_cpu1_b1";

std::shared_ptr<const controller::Catalogue> Catalogue() {
  auto catalogue = std::make_shared<controller::Catalogue>();
  // Loads of a millisecond: a step's queries see them done in either run.
  catalogue->variants = {
      MakeVariant({.name = "lenet5_onnx_cpu1_b1", .latency = {{1, 2.0}}, .load_ms = 1}),
      MakeVariant(
          {.name = "lenet5_onnx_cpu2_b1", .threads = 2, .latency = {{1, 1.5}}, .load_ms = 1}),
      MakeVariant({.name = "lenet5_onnx_cpu1_b8",
                   .max_batch = 8,
                   .latency = {{1, 2.5}, {8, 6.0}},
                   .load_ms = 1}),
      MakeVariant(
          {.name = kPinned, .architecture = "vgg_mini", .latency = {{1, 5.0}}, .load_ms = 1}),
  };
  return catalogue;
}

autoscaler::ControlOptions Options(std::vector<std::string>* decisions) {
  return {.policy = autoscaler::PolicyKind::kInfaas2021,
          .autoscaler = {.period = absl::Seconds(1), .max_workers = 3},
          .on_action = [decisions](const autoscaler::ScalingAction& action) {
            decisions->push_back(absl::StrCat("action ", autoscaler::Describe(action)));
          }};
}

// What each run must provide: its core, time, and workers the scenario
// can start, stop and send heartbeats for.
class Run {
 public:
  virtual ~Run() = default;
  virtual autoscaler::ControlCore& core() = 0;
  virtual absl::Time Now() = 0;
  // Moves time on by `d`, everything due meanwhile done.
  virtual void Advance(absl::Duration d) = 0;
  // A worker for `id` exists from now on (idempotent).
  virtual void EnsureWorker(const std::string& id) = 0;
  virtual std::string AddressOf(const std::string& id) = 0;
  // Sends one query and returns once it is answered.
  virtual absl::StatusOr<v1::QueryOnlineResponse> Query(v1::QueryOnlineRequest request) = 0;
  // Returns once the loads the last round started are done.
  virtual void Settle() = 0;
  FakeProvisioner& provisioner() { return provisioner_; }

 protected:
  FakeProvisioner provisioner_;
};

class SimulatorRun final : public Run {
 public:
  SimulatorRun(absl::Time start, std::vector<std::string>* decisions)
      : loop_(start),
        scheduler_(&loop_),
        port_(&loop_, absl::ZeroDuration()),
        core_(Catalogue(),
              {.workers = &port_,
               .clock = loop_.clock(),
               .rounds = &scheduler_,
               .provisioner_calls = &scheduler_,
               .provisioner = &provisioner_},
              Options(decisions)) {}
  ~SimulatorRun() override { port_.Close(); }

  autoscaler::ControlCore& core() override { return core_; }
  absl::Time Now() override { return loop_.now(); }
  void Advance(absl::Duration d) override { loop_.RunUntil(loop_.now() + d); }
  void EnsureWorker(const std::string& id) override {
    auto& worker = workers_[id];
    if (worker != nullptr) return;
    worker =
        std::make_unique<EmulatedWorker>(&loop_, EmulatedWorker::Options{.id = id, .cores = 4});
    port_.Attach(worker.get());
  }
  std::string AddressOf(const std::string& id) override { return "sim:" + id; }
  absl::StatusOr<v1::QueryOnlineResponse> Query(v1::QueryOnlineRequest request) override {
    absl::StatusOr<v1::QueryOnlineResponse> answer = absl::UnknownError("not answered");
    core_.router().QueryOnline(
        auth::Principal::Operator(), std::move(request), loop_.now() + absl::Seconds(5),
        [&answer](absl::StatusOr<v1::QueryOnlineResponse> r) { answer = std::move(r); });
    loop_.RunUntil(loop_.now() + absl::Milliseconds(20));
    return answer;
  }
  void Settle() override { loop_.RunUntil(loop_.now() + absl::Milliseconds(20)); }

 private:
  EventLoop loop_;
  LoopScheduler scheduler_;
  SimWorkerPort port_;
  std::map<std::string, std::unique_ptr<EmulatedWorker>> workers_;
  autoscaler::ControlCore core_;
};

class MasterPortsRun final : public Run {
 public:
  MasterPortsRun(absl::Time start, std::vector<std::string>* decisions)
      : clock_(start),
        clients_([this](const std::string& address) { return Fake(address)->NewStub(); }),
        port_(&clients_),
        core_(Catalogue(),
              {.workers = &port_,
               .clock = &clock_,
               .rounds = &inline_,
               .provisioner_calls = &inline_,
               .provisioner = &provisioner_},
              Options(decisions)) {}

  autoscaler::ControlCore& core() override { return core_; }
  absl::Time Now() override { return clock_.Now(); }
  void Advance(absl::Duration d) override { clock_.Advance(d); }
  void EnsureWorker(const std::string& id) override { Fake(AddressOf(id)); }
  std::string AddressOf(const std::string& id) override { return "fake:" + id; }
  absl::StatusOr<v1::QueryOnlineResponse> Query(v1::QueryOnlineRequest request) override {
    absl::StatusOr<v1::QueryOnlineResponse> answer;
    absl::Notification done;
    core_.router().QueryOnline(auth::Principal::Operator(), std::move(request),
                               clock_.Now() + absl::Seconds(5),
                               [&](absl::StatusOr<v1::QueryOnlineResponse> r) {
                                 answer = std::move(r);
                                 done.Notify();
                               });
    done.WaitForNotification();
    clock_.Advance(absl::Milliseconds(20));
    return answer;
  }
  void Settle() override {
    // The round's loads are gRPC calls: done once nothing shows as loading.
    for (int i = 0; i < 10000; ++i) {
      bool loading = false;
      for (const controller::WorkerSnapshot& w : core_.cluster().Snapshot(clock_.Now())->workers) {
        for (const controller::LoadedVariant& v : w.variants) loading = loading || v.loading;
      }
      if (!loading) break;
      absl::SleepFor(absl::Milliseconds(1));
    }
    clock_.Advance(absl::Milliseconds(20));
  }

 private:
  // Provisioner calls within the round, as the loop runs them right after.
  class InlineScheduler final : public Scheduler {
   public:
    void After(absl::Duration, absl::AnyInvocable<void()> task) override { task(); }
  };

  FakeWorker* Fake(const std::string& address) {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<FakeWorker>& worker = workers_[address];
    if (worker == nullptr) worker = std::make_unique<FakeWorker>();
    return worker.get();
  }

  FakeClock clock_;
  InlineScheduler inline_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_ ABSL_GUARDED_BY(mu_);
  controller::WorkerClients clients_;
  controller::GrpcWorkerPort port_;
  autoscaler::ControlCore core_;
};

v1::QueryOnlineRequest ByArchitecture(const std::string& architecture, double slo_ms) {
  v1::QueryOnlineRequest request;
  request.set_architecture(architecture);
  request.set_latency_slo_ms(slo_ms);
  request.add_inputs();
  return request;
}

// The scenario; returns the decisions in order.
void Play(Run& run, std::vector<std::string>* decisions) {
  ASSERT_TRUE(run.core().catalogue().SetPinned(kPinned, true).ok());
  const absl::Time start = run.Now();
  std::vector<std::string> live = {"w1", "w2"};
  // Queries per second: a step up and down.
  const std::vector<int> rates = {2, 2, 4, 12, 12, 12, 12, 12, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0, 0,  0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Seconds in which the heartbeats show every worker's CPU busy.
  std::vector<bool> busy(rates.size(), false);
  for (int second : {3, 4, 5, 6, 7}) busy[second] = true;
  size_t removals = 0;
  for (size_t second = 0; second < rates.size(); ++second) {
    // Workers the provisioner started join; removed ones are gone.
    for (const std::string& id : run.provisioner().added()) {
      if (std::find(live.begin(), live.end(), id) == live.end()) live.push_back(id);
    }
    for (const std::string& id : run.provisioner().removed()) std::erase(live, id);
    std::shared_ptr<const controller::ClusterSnapshot> shown =
        run.core().cluster().Snapshot(run.Now());
    for (const std::string& id : live) {
      run.EnsureWorker(id);
      std::vector<std::string> serving;
      for (const controller::WorkerSnapshot& w : shown->workers) {
        if (w.id != id) continue;
        for (const controller::LoadedVariant& v : w.variants) {
          if (v.serving()) serving.push_back(v.variant);
        }
      }
      worker_rpc::HeartbeatRequest beat =
          controller::testing::IdleWorkerBeat(id, run.AddressOf(id), serving);
      beat.set_cpu_utilization(busy[second] ? 0.95 : 0.05);
      run.core().cluster().OnHeartbeat(beat, run.Now());
    }
    if (second == 0) {
      v1::QueryOnlineRequest pinned;
      pinned.set_variant(kPinned);
      pinned.add_inputs();
      absl::StatusOr<v1::QueryOnlineResponse> r = run.Query(std::move(pinned));
      decisions->push_back(
          r.ok() ? absl::StrCat("query ", r->variant(), "@", r->worker())
                 : absl::StrCat("query refused ", absl::StatusCodeToString(r.status().code())));
    }
    for (int q = 0; q < rates[second]; ++q) {
      absl::StatusOr<v1::QueryOnlineResponse> r = run.Query(ByArchitecture("lenet5", 50));
      decisions->push_back(
          r.ok() ? absl::StrCat("query ", r->variant(), "@", r->worker())
                 : absl::StrCat("query refused ", absl::StatusCodeToString(r.status().code())));
    }
    run.core().autoscaler().Tick();
    run.Settle();
    const std::vector<std::string> removed = run.provisioner().removed();
    for (size_t i = removals; i < removed.size(); ++i) {
      decisions->push_back(absl::StrCat("removed ", removed[i]));
    }
    removals = removed.size();
    // To the next second.
    run.Advance(start + absl::Seconds(static_cast<int64_t>(second) + 1) - run.Now());
  }
  // Where each variant serves at the end.
  for (const controller::WorkerSnapshot& w : run.core().cluster().Snapshot(run.Now())->workers) {
    for (const controller::LoadedVariant& v : w.variants) {
      decisions->push_back(absl::StrCat("serving ", v.variant, "@", w.id));
    }
  }
}

TEST(ControlEquivalenceTest, TheSimulatorsPortsAndTheMastersGiveTheSameDecisions) {
  // Both on the real time of now: the master's gRPC calls carry deadlines
  // read from their clock.
  const absl::Time start = absl::Now();
  std::vector<std::string> simulated, mastered;
  {
    SimulatorRun run(start, &simulated);
    Play(run, &simulated);
  }
  {
    MasterPortsRun run(start, &mastered);
    Play(run, &mastered);
  }
  ASSERT_EQ(simulated, mastered);
  // The scenario took each kind of decision.
  auto taken = [&simulated](const std::string& prefix) {
    return std::count_if(simulated.begin(), simulated.end(),
                         [prefix](const std::string& d) { return d.starts_with(prefix); });
  };
  EXPECT_GT(taken("query lenet5"), 50);
  EXPECT_EQ(taken("action add a worker"), 1);
  EXPECT_EQ(taken("action remove worker auto-1"), 1);
  EXPECT_EQ(taken("removed auto-1"), 1);
  EXPECT_GT(taken("action set lenet5"), 0);  // the idle variant goes
  // The pinned variant stays, however long it idles.
  EXPECT_EQ(taken(absl::StrCat("serving ", kPinned)), 1);
}

}  // namespace
}  // namespace infaas::sim
