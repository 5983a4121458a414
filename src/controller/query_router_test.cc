// QueryRouter over the real selector, views and load coordinator, with
// in-process fake workers (testing/fake_worker.h) and a fake clock: what the
// router adds to the selector — the target's budget sent to the worker, the
// answer's honesty about the target, queries in flight, refusals with a
// retry-after hint, one re-placement, and recommended loads handed to the
// owner of placement.

#include "controller/query_router.h"
#include "controller/grpc_worker_port.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/retry_after.h"
#include "controller/testing/fake_worker.h"
#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using testing::FakeWorker;
using ::testing::HasSubstr;

constexpr char kCheap[] = "lenet5_onnx_cpu1_b1";          // 2 ms, 1 thread
constexpr char kCostly[] = "lenet5_torchscript_cpu4_b8";  // 1 ms, 4 threads

// Records the loads it is asked for (the autoscaler's role).
class RecordingOwner final : public LoadRequests {
 public:
  void RequestLoad(const LoadRecommendation& load) override {
    absl::MutexLock lock(&mu_);
    requested_.push_back(load.variant + "@" + load.worker_id);
  }
  std::vector<std::string> requested() {
    absl::MutexLock lock(&mu_);
    return requested_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> requested_ ABSL_GUARDED_BY(mu_);
};

class QueryRouterTest : public ::testing::Test {
 protected:
  QueryRouterTest()
      : clients_([this](const std::string& address) { return workers_.at(address)->NewStub(); }),
        port_(&clients_),
        loads_(&port_, &cluster_),
        catalogue_(
            testing::StoredCatalogue::Create(
                "router-test", {testing::MakeVariant({.name = kCheap, .latency = {{1, 2.0}}}),
                                testing::MakeVariant({.name = kCostly,
                                                      .threads = 4,
                                                      .max_batch = 8,
                                                      .latency = {{1, 1.0}, {8, 4.5}}})})
                .value()),
        router_(std::make_unique<QueryRouter>(
            QueryRouter::Dependencies{catalogue_->view(), &cluster_, &port_, &loads_, &clock_})) {}

  // A worker at "fake:<id>" holding `variants`, each with `queue` queued.
  FakeWorker& AddWorker(const std::string& id, const std::vector<std::string>& variants,
                        int queue = 0) {
    auto& worker = workers_[absl::StrCat("fake:", id)];
    if (worker == nullptr) worker = std::make_unique<FakeWorker>();
    cluster_.OnHeartbeat(testing::IdleWorkerBeat(id, absl::StrCat("fake:", id), variants, 4, queue),
                         clock_.Now());
    return *worker;
  }

  absl::StatusOr<v1::QueryOnlineResponse> Query(
      const v1::QueryOnlineRequest& request,
      const auth::Principal& caller = auth::Principal::Operator()) {
    absl::Notification done;
    absl::StatusOr<v1::QueryOnlineResponse> answer;
    router_->QueryOnline(caller, request, clock_.Now() + absl::Seconds(10),
                         [&](absl::StatusOr<v1::QueryOnlineResponse> r) {
                           answer = std::move(r);
                           done.Notify();
                         });
    done.WaitForNotification();
    return answer;
  }

  static v1::QueryOnlineRequest ByArchitecture(double slo_ms) {
    v1::QueryOnlineRequest request;
    request.set_architecture("lenet5");
    request.set_latency_slo_ms(slo_ms);
    request.add_inputs()->set_raw_fp32(std::string(28 * 28 * 4, '\0'));
    return request;
  }

  // Starts at the real time: gRPC deadlines are computed from this clock.
  FakeClock clock_{absl::Now()};
  std::map<std::string, std::unique_ptr<FakeWorker>> workers_;
  ClusterView cluster_{absl::Hours(1)};
  WorkerClients clients_;
  GrpcWorkerPort port_;
  LoadCoordinator loads_;
  std::unique_ptr<testing::StoredCatalogue> catalogue_;
  std::unique_ptr<QueryRouter> router_;
};

TEST_F(QueryRouterTest, SendsTheWorkerWhatIsLeftOfTheTargetAndSaysWhetherItWasMet) {
  FakeWorker& worker = AddWorker("w1", {kCheap});
  double budget_ms = -1;
  worker.SetInfer(
      [&](const worker_rpc::InferRequest& request, worker_rpc::InferResponse* response) {
        budget_ms = request.slo_budget_ms();
        FakeWorker::AnswerWith(3, request, response);
        return grpc::Status::OK;
      });
  absl::StatusOr<v1::QueryOnlineResponse> met = Query(ByArchitecture(20));
  ASSERT_TRUE(met.ok()) << met.status();
  EXPECT_DOUBLE_EQ(budget_ms, 20);  // no time passed on the fake clock
  EXPECT_DOUBLE_EQ(met->latency_slo_ms(), 20);
  EXPECT_FALSE(met->slo_missed());
  EXPECT_DOUBLE_EQ(met->predicted_latency_ms(), 2);

  // The worker takes 30 ms: the answer says the 20 ms target was missed.
  worker.SetInfer(
      [&](const worker_rpc::InferRequest& request, worker_rpc::InferResponse* response) {
        clock_.Advance(absl::Milliseconds(30));
        FakeWorker::AnswerWith(3, request, response);
        return grpc::Status::OK;
      });
  absl::StatusOr<v1::QueryOnlineResponse> missed = Query(ByArchitecture(20));
  ASSERT_TRUE(missed.ok()) << missed.status();
  EXPECT_TRUE(missed->slo_missed());
  EXPECT_DOUBLE_EQ(missed->measured_latency_ms(), 30);
}

TEST_F(QueryRouterTest, CountsAQueryInFlightUntilItsAnswerComes) {
  FakeWorker& worker = AddWorker("w1", {kCheap});
  worker.Hold();
  absl::Notification done;
  router_->QueryOnline(auth::Principal::Operator(), ByArchitecture(50),
                       clock_.Now() + absl::Seconds(10),
                       [&](absl::StatusOr<v1::QueryOnlineResponse>) { done.Notify(); });
  const std::shared_ptr<const ClusterSnapshot> snapshot = cluster_.Snapshot(clock_.Now());
  const LoadedVariant* held = snapshot->workers[0].Find(kCheap);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->InFlightQueries(), 1);
  EXPECT_EQ(held->InFlightExamples(), 1);
  worker.Release();
  done.WaitForNotification();
  EXPECT_EQ(cluster_.Snapshot(clock_.Now())->workers[0].Find(kCheap)->InFlightQueries(), 0);
}

TEST_F(QueryRouterTest, PastTheMastersInFlightBoundQueriesAreRefusedAtOnce) {
  InFlightLimit limit({.max_queries = 1});
  router_ = std::make_unique<QueryRouter>(QueryRouter::Dependencies{.catalogue = catalogue_->view(),
                                                                    .cluster = &cluster_,
                                                                    .workers = &port_,
                                                                    .loads = &loads_,
                                                                    .clock = &clock_,
                                                                    .in_flight = &limit});
  FakeWorker& worker = AddWorker("w1", {kCheap});
  worker.Hold();
  absl::Notification first;
  router_->QueryOnline(auth::Principal::Operator(), ByArchitecture(50),
                       clock_.Now() + absl::Seconds(10),
                       [&](absl::StatusOr<v1::QueryOnlineResponse>) { first.Notify(); });
  worker.AwaitHeld(1);
  absl::StatusOr<v1::QueryOnlineResponse> over = Query(ByArchitecture(50));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("--max-queries-in-flight"));
  EXPECT_TRUE(RetryAfter(over.status()).has_value());
  worker.Release();
  first.WaitForNotification();
  EXPECT_EQ(limit.queries(), 0);
  EXPECT_EQ(limit.bytes(), 0);
  EXPECT_TRUE(Query(ByArchitecture(50)).ok());  // room again
}

TEST_F(QueryRouterTest, RefusesOverloadAtOnceWithARetryAfterHint) {
  FakeWorker& worker = AddWorker("w1", {kCheap}, /*queue=*/40);  // 80 ms of work ahead
  absl::StatusOr<v1::QueryOnlineResponse> answer = Query(ByArchitecture(20));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(answer.status().message(), HasSubstr("refused at once"));
  ASSERT_TRUE(RetryAfter(answer.status()).has_value());
  EXPECT_GT(*RetryAfter(answer.status()), absl::ZeroDuration());
  EXPECT_EQ(worker.infer_calls(), 0);  // it never reached the worker
}

TEST_F(QueryRouterTest, AFailedConnectionMarksTheWorkerDeadAndThePlacementIsRetriedOnce) {
  FakeWorker& gone = AddWorker("w1", {kCheap});
  FakeWorker& alive = AddWorker("w2", {kCheap}, /*queue=*/1);  // w1 is preferred first
  gone.SetInfer([](const worker_rpc::InferRequest&, worker_rpc::InferResponse*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused");
  });
  absl::StatusOr<v1::QueryOnlineResponse> answer = Query(ByArchitecture(50));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->worker(), "w2");
  EXPECT_EQ(gone.infer_calls(), 1);
  EXPECT_EQ(alive.infer_calls(), 1);
  EXPECT_EQ(cluster_.Snapshot(clock_.Now())->workers.size(), 1u);  // w1 is gone
}

TEST_F(QueryRouterTest, HandsRecommendedLoadsToTheOwnerOfPlacement) {
  // Only the costly variant serves; the cheap one would do for half the
  // cores: the selector recommends loading it, and the owner is asked.
  FakeWorker& worker = AddWorker("w1", {kCostly});
  RecordingOwner owner;
  router_ = std::make_unique<QueryRouter>(QueryRouter::Dependencies{.catalogue = catalogue_->view(),
                                                                    .cluster = &cluster_,
                                                                    .workers = &port_,
                                                                    .loads = &loads_,
                                                                    .clock = &clock_,
                                                                    .load_requests = &owner});
  absl::StatusOr<v1::QueryOnlineResponse> answer = Query(ByArchitecture(50));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->variant(), kCostly);
  EXPECT_THAT(owner.requested(), ::testing::ElementsAre(absl::StrCat(kCheap, "@w1")));
  EXPECT_EQ(worker.load_calls(), 0);  // the router loads nothing itself
  router_.reset();                    // before the owner goes
}

auth::Principal UserOf(const std::string& tenant) {
  return auth::Principal{.tenant = tenant, .role = auth::Role::kUser, .key_id = "k-" + tenant};
}

TEST_F(QueryRouterTest, APrivateModelIsNotFoundForOtherTenantsAndServedToItsOwner) {
  v1::VariantRecord secret =
      testing::MakeVariant({.name = "secretnet_onnx_cpu1_b1", .architecture = "secretnet"});
  secret.set_owner_tenant("beta");
  ASSERT_TRUE(catalogue_->store()->PutVariants({secret}).ok());
  ASSERT_TRUE(catalogue_->view()->Reload().ok());
  AddWorker("w1", {kCheap, "secretnet_onnx_cpu1_b1"});

  v1::QueryOnlineRequest by_name = ByArchitecture(50);
  by_name.set_architecture("secretnet");
  absl::StatusOr<v1::QueryOnlineResponse> hidden = Query(by_name, UserOf("acme"));
  EXPECT_EQ(hidden.status().code(), absl::StatusCode::kNotFound) << hidden.status();
  EXPECT_THAT(std::string(hidden.status().message()), ::testing::Not(HasSubstr("beta")));
  // The list of what exists does not name it either.
  v1::QueryOnlineRequest unknown = ByArchitecture(50);
  unknown.set_architecture("nosuch");
  EXPECT_THAT(std::string(Query(unknown, UserOf("acme")).status().message()),
              ::testing::Not(HasSubstr("secretnet")));
  EXPECT_TRUE(Query(by_name, UserOf("beta")).ok());
  EXPECT_TRUE(Query(by_name).ok());                             // the operator sees everything
  EXPECT_TRUE(Query(ByArchitecture(50), UserOf("acme")).ok());  // the zoo is public
}

TEST_F(QueryRouterTest, ATenantOverItsQuotaIsRefusedAtOnceAndOthersAreNot) {
  auth::TenantQuotas quotas(&clock_);
  v1::TenantRecord limit;
  limit.set_name("acme");
  limit.set_max_queries_per_second(2);
  quotas.Set({limit});
  router_ = std::make_unique<QueryRouter>(QueryRouter::Dependencies{.catalogue = catalogue_->view(),
                                                                    .cluster = &cluster_,
                                                                    .workers = &port_,
                                                                    .loads = &loads_,
                                                                    .clock = &clock_,

                                                                    .quotas = &quotas});
  FakeWorker& worker = AddWorker("w1", {kCheap});
  EXPECT_TRUE(Query(ByArchitecture(50), UserOf("acme")).ok());
  EXPECT_TRUE(Query(ByArchitecture(50), UserOf("acme")).ok());
  absl::StatusOr<v1::QueryOnlineResponse> over = Query(ByArchitecture(50), UserOf("acme"));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(RetryAfter(over.status()).has_value());
  EXPECT_EQ(worker.infer_calls(), 2);  // the refused query cost no worker anything
  EXPECT_TRUE(Query(ByArchitecture(50), UserOf("beta")).ok());
  EXPECT_EQ(quotas.InFlight("acme"), 0);  // answered queries freed their slots
}

}  // namespace
}  // namespace infaas::controller
