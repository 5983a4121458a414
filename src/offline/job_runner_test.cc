// JobRunner against in-process fake workers (controller/testing/fake_worker.h):
// no processes, a fake clock, a real SQLite store in a temporary folder.

#include "offline/job_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/files.h"
#include "controller/grpc_worker_port.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"
#include "google/protobuf/util/json_util.h"
#include "store/leader_lease.h"

namespace infaas::offline {
namespace {

namespace fs = std::filesystem;
using controller::testing::FakeWorker;
using ::testing::HasSubstr;

constexpr char kVariant[] = "lenet5_onnx_cpu1_b4";

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest()
      : clients_([this](const std::string& address) { return workers_.at(address)->NewStub(); }),
        port_(&clients_),
        loads_(&port_, &cluster_),
        catalogue_(controller::testing::StoredCatalogue::Create(
                       "job-runner-test",
                       {controller::testing::MakeVariant({.name = kVariant, .max_batch = 4})})
                       .value()),
        dir_(catalogue_->dir()) {
    fs::create_directories(dir_ / "repository");
  }

  ~JobRunnerTest() override {
    runner_.reset();  // before the workers and the views it uses
  }

  // A worker at "fake:<id>" that holds the variant, idle.
  FakeWorker& AddWorker(const std::string& id) {
    auto& worker = workers_[absl::StrCat("fake:", id)];
    worker = std::make_unique<FakeWorker>();
    cluster_.OnHeartbeat(
        controller::testing::IdleWorkerBeat(id, absl::StrCat("fake:", id), {kVariant}, 2),
        clock_.Now());
    return *worker;
  }

  void StartRunner() {
    absl::StatusOr<std::unique_ptr<JobRunner>> runner = JobRunner::Start(
        {
            .store = catalogue_->store(),
            .catalogue = catalogue_->view(),
            .cluster = &cluster_,
            .workers = &port_,
            .loads = &loads_,
            .clock = &clock_,
        },
        {.poll = absl::Milliseconds(1), .idle_priority = false});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = *std::move(runner);
  }

  // A master's claim on the store's leader lease (the first one leads).
  std::unique_ptr<store::LeaderLease> StartLease(std::string holder) {
    absl::StatusOr<std::unique_ptr<store::LeaderLease>> lease =
        store::LeaderLease::Start(catalogue_->store(), {.holder = std::move(holder),
                                                        .ttl = absl::Seconds(3),
                                                        .renew_every = absl::Milliseconds(20),
                                                        .safety_margin = absl::Milliseconds(100)});
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? *std::move(lease) : nullptr;
  }

  // A runner of one of several masters: it runs jobs only under `lease`.
  std::unique_ptr<JobRunner> StartRunnerUnder(const store::LeaderLease* lease) {
    absl::StatusOr<std::unique_ptr<JobRunner>> runner =
        JobRunner::Start({.store = catalogue_->store(),
                          .catalogue = catalogue_->view(),
                          .cluster = &cluster_,
                          .workers = &port_,
                          .loads = &loads_,
                          .clock = &clock_,
                          .lease = lease},
                         {.poll = absl::Milliseconds(1),
                          .idle_priority = false,
                          .adopt_every = absl::Milliseconds(10)});
    EXPECT_TRUE(runner.ok()) << runner.status();
    return runner.ok() ? *std::move(runner) : nullptr;
  }

  // `count` raw inputs of 784 floats in <dir>/<name>; `short_ones` of them
  // (the first) hold only 3 floats.
  fs::path Inputs(const std::string& name, int count, int short_ones = 0) {
    const fs::path folder = dir_ / name;
    fs::create_directories(folder);
    for (int i = 0; i < count; ++i) {
      const size_t floats = i < short_ones ? 3 : 784;
      EXPECT_TRUE(
          WriteFileAtomically(folder / absl::StrCat("in", i, ".f32"), std::string(4 * floats, '\0'))
              .ok());
    }
    return folder;
  }

  std::string Submit(const fs::path& in, const fs::path& out) {
    v1::SubmitOfflineJobRequest request;
    request.set_input_url(in.string());
    request.set_output_url(out.string());
    request.mutable_requirements()->set_architecture("lenet5");
    absl::StatusOr<std::string> id = runner_->Submit(request);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  }

  // Polls the job's record until it ended (the runner has no event to wait
  // on), moving the clock by `tick` each time (a leader looks for jobs
  // submitted elsewhere by its clock).
  v1::OfflineJob AwaitEnd(const std::string& id, absl::Duration tick = absl::ZeroDuration()) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    v1::OfflineJob job;
    while (absl::Now() < give_up) {
      job = *runner_->Get(id);
      if (job.state() >= v1::OfflineJob::STATE_DONE) return job;
      absl::SleepFor(absl::Milliseconds(1));
      clock_.Advance(tick);
    }
    ADD_FAILURE() << "job " << id << " did not end: " << job.ShortDebugString();
    return job;
  }

  static int BestIndex(const fs::path& result) {
    v1::OfflineResult parsed;
    const std::string text = ReadFile(result).value_or("");
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &parsed).ok()) << text;
    return parsed.top_size() > 0 ? parsed.top(0).index() : -1;
  }

  // Starts at the real time: gRPC deadlines are computed from this clock.
  FakeClock clock_{absl::Now()};
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_;
  controller::ClusterView cluster_{absl::Hours(1)};
  controller::WorkerClients clients_;
  controller::GrpcWorkerPort port_;
  controller::LoadCoordinator loads_;
  std::unique_ptr<controller::testing::StoredCatalogue> catalogue_;
  const fs::path dir_;  // the catalogue's temporary folder, removed with it
  std::unique_ptr<JobRunner> runner_;
};

// Several masters on one store: only the leader's runner runs jobs, from
// whichever master they were submitted through; when it stops leading the
// other's runner takes them up.
TEST_F(JobRunnerTest, OnlyTheLeadersRunnerRunsJobsSubmittedThroughAnyMaster) {
  AddWorker("w1");
  std::unique_ptr<store::LeaderLease> lease_a = StartLease("master-a");
  std::unique_ptr<store::LeaderLease> lease_b = StartLease("master-b");
  ASSERT_TRUE(lease_a->Token().has_value());
  std::unique_ptr<JobRunner> a = StartRunnerUnder(lease_a.get());
  std::unique_ptr<JobRunner> b = StartRunnerUnder(lease_b.get());
  ASSERT_TRUE(a != nullptr && b != nullptr);

  // Submitted through the follower, run by the leader; either tells how it went.
  runner_ = std::move(b);
  const std::string first = Submit(Inputs("in1", 6), dir_ / "out1");
  v1::OfflineJob job = AwaitEnd(first, absl::Milliseconds(5));
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 6);
  EXPECT_EQ(a->Get(first)->state(), v1::OfflineJob::STATE_DONE);

  // a stops leading (its master stopped): b takes over and runs what a gets.
  lease_a->Stop();
  std::unique_ptr<JobRunner> follower = std::move(a);
  std::swap(runner_, follower);  // Submit through a, now the follower
  const std::string second = Submit(Inputs("in2", 5), dir_ / "out2");
  std::swap(runner_, follower);
  job = AwaitEnd(second, absl::Milliseconds(5));
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 5);
  EXPECT_TRUE(fs::exists(dir_ / "out2" / "in4.json"));
  follower.reset();
  runner_.reset();
}

// A job the leader runs, cancelled through another master: the leader
// stops it, and the cancellation stands in the store.
TEST_F(JobRunnerTest, AJobCancelledThroughAFollowerEndsOnTheLeader) {
  FakeWorker& worker = AddWorker("w1");
  worker.Hold();
  std::unique_ptr<store::LeaderLease> lease_a = StartLease("master-a");
  std::unique_ptr<store::LeaderLease> lease_b = StartLease("master-b");
  std::unique_ptr<JobRunner> b = StartRunnerUnder(lease_b.get());
  runner_ = StartRunnerUnder(lease_a.get());
  ASSERT_TRUE(b != nullptr && runner_ != nullptr);
  const std::string id = Submit(Inputs("in", 8), dir_ / "out");
  worker.AwaitHeld(1);
  absl::StatusOr<v1::OfflineJob> cancelled = b->Cancel(id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state(), v1::OfflineJob::STATE_CANCELLED);
  const v1::OfflineJob job = AwaitEnd(id, absl::Milliseconds(5));
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_CANCELLED) << job.ShortDebugString();
  worker.Release();
  EXPECT_EQ(b->Cancel(id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(catalogue_->store()->GetJob(id)->state(), v1::OfflineJob::STATE_CANCELLED);
  b.reset();
}

TEST_F(JobRunnerTest, EveryInputGetsTheWorkersAnswerInItsResultFile) {
  FakeWorker& worker = AddWorker("w1");
  StartRunner();
  const std::string id = Submit(Inputs("in", 10), dir_ / "out");
  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 10);
  EXPECT_EQ(job.items_failed(), 0);
  EXPECT_GE(worker.infer_calls(), 3);  // chunks of at most 4
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(BestIndex(dir_ / "out" / absl::StrCat("in", i, ".json")), 3);
}

TEST_F(JobRunnerTest, ChunksAWorkerFailsAreRedoneOnAnotherAndNoInputIsLost) {
  FakeWorker& broken = AddWorker("w1");
  broken.SetInfer([](const infaas::worker_rpc::InferRequest&, infaas::worker_rpc::InferResponse*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "worker going away");
  });
  AddWorker("w2").SetInfer(
      [](const infaas::worker_rpc::InferRequest& r, infaas::worker_rpc::InferResponse* out) {
        FakeWorker::AnswerWith(7, r, out);
        return grpc::Status::OK;
      });
  StartRunner();
  const std::string id = Submit(Inputs("in", 12), dir_ / "out");
  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 12);
  EXPECT_EQ(job.items_failed(), 0);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(BestIndex(dir_ / "out" / absl::StrCat("in", i, ".json")), 7);
}

TEST_F(JobRunnerTest, AChunkRejectedForABadInputIsRetriedOneByOneAndOnlyThatInputFails) {
  AddWorker("w1").SetInfer([](const infaas::worker_rpc::InferRequest& r,
                              infaas::worker_rpc::InferResponse* out) {
    for (const v1::InputTensor& in : r.inputs()) {
      if (in.raw_fp32().size() != 784 * 4) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "input holds 3 floats, not 784");
      }
    }
    FakeWorker::AnswerWith(1, r, out);
    return grpc::Status::OK;
  });
  StartRunner();
  const std::string id = Submit(Inputs("in", 8, /*short_ones=*/1), dir_ / "out");
  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 7);
  EXPECT_EQ(job.items_failed(), 1);
  ASSERT_EQ(job.failures_size(), 1);
  EXPECT_EQ(job.failures(0).input(), "in0.f32");
  EXPECT_THAT(job.failures(0).ShortDebugString(), HasSubstr("3 floats"));
}

// Destroying the runner while its calls are held on the worker cancels
// them and waits for their callbacks; answering them afterwards touches
// nothing of the runner (ASan checks this in the clang build).
TEST_F(JobRunnerTest, StoppingWithCallsInFlightLeavesTheJobRunningForTheNextStart) {
  FakeWorker& worker = AddWorker("w1");
  worker.Hold();
  StartRunner();
  const std::string id = Submit(Inputs("in", 8), dir_ / "out");
  worker.AwaitHeld(1);
  runner_.reset();
  worker.Release();
  absl::StatusOr<v1::OfflineJob> stored = catalogue_->store()->GetJob(id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->state(), v1::OfflineJob::STATE_RUNNING);
  // The next runner resumes it and finishes it.
  StartRunner();
  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 8);
}

}  // namespace
}  // namespace infaas::offline
