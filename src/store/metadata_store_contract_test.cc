// The contract every MetadataStore implementation keeps, run against the
// real SQLite file store and a real redis-server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "store/metadata_store.h"
#include "store/redis_metadata_store.h"
#include "store/sqlite_metadata_store.h"
#include "store/testing/redis_server.h"
#include "store/testing/sample_records.h"

namespace infaas::store {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using testing::SampleJob;
using testing::SampleVariant;

// Where one test's data lives; Open() may be called again to reopen it.
class StoreEnv {
 public:
  virtual ~StoreEnv() = default;
  virtual absl::StatusOr<std::unique_ptr<MetadataStore>> Open() = 0;
};

class SqliteEnv : public StoreEnv {
 public:
  SqliteEnv() {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("infaas-store-contract-", ::getpid(), "-", counter_++);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SqliteEnv() override { std::filesystem::remove_all(dir_); }
  absl::StatusOr<std::unique_ptr<MetadataStore>> Open() override {
    return OpenMetadataStore(absl::StrCat("sqlite:", (dir_ / "infaas.db").string()));
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

// One redis-server for the whole binary; each test gets its own key prefix.
class RedisEnv : public StoreEnv {
 public:
  RedisEnv() : prefix_(absl::StrCat("contract", counter_++, ":")) {}
  absl::StatusOr<std::unique_ptr<MetadataStore>> Open() override {
    // Destroyed at exit, which stops the server.
    static absl::StatusOr<std::unique_ptr<testing::RedisServer>> server =
        testing::RedisServer::Start();
    if (!server.ok()) return server.status();
    RedisMetadataStore::Options options;
    options.port = (*server)->port();
    options.key_prefix = prefix_;
    auto store = RedisMetadataStore::Create(options);
    if (!store.ok()) return store.status();
    return std::unique_ptr<MetadataStore>(std::move(*store));
  }

 private:
  static inline int counter_ = 0;
  std::string prefix_;
};

struct Implementation {
  std::string name;
  std::function<std::unique_ptr<StoreEnv>()> make_env;
};

void PrintTo(const Implementation& impl, std::ostream* os) { *os << impl.name; }

class MetadataStoreContractTest : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    env_ = GetParam().make_env();
    auto store = env_->Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  std::unique_ptr<StoreEnv> env_;
  std::unique_ptr<MetadataStore> store_;
};

std::vector<std::string> Names(const std::vector<v1::VariantRecord>& records) {
  std::vector<std::string> names;
  for (const auto& r : records) names.push_back(r.config().name());
  return names;
}

TEST_P(MetadataStoreContractTest, PutThenGetVariantRoundTripsEveryField) {
  const v1::VariantRecord record = SampleVariant("lenet5_torchscript_cpu1_b8", "lenet5");
  ASSERT_TRUE(store_->PutVariants({record}).ok());
  absl::StatusOr<v1::VariantRecord> got = store_->GetVariant("lenet5_torchscript_cpu1_b8");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*got, record)) << got->DebugString();
}

TEST_P(MetadataStoreContractTest, UnknownVariantIsNotFoundAndNamed) {
  absl::StatusOr<v1::VariantRecord> got = store_->GetVariant("nosuch");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(got.status().message(), "nosuch")) << got.status();
}

TEST_P(MetadataStoreContractTest, PutReplacesAVariantWithTheSameName) {
  ASSERT_TRUE(store_->PutVariants({SampleVariant("v1", "lenet5")}).ok());
  v1::VariantRecord updated = SampleVariant("v1", "lenet5");
  updated.mutable_profile()->set_accuracy_percent(77.5);
  ASSERT_TRUE(store_->PutVariants({updated}).ok());
  EXPECT_DOUBLE_EQ(store_->GetVariant("v1")->profile().accuracy_percent(), 77.5);
  EXPECT_EQ(store_->ListVariants({})->size(), 1u);
}

TEST_P(MetadataStoreContractTest, ListVariantsFiltersByFamilyAndArchitecture) {
  ASSERT_TRUE(
      store_
          ->PutVariants({SampleVariant("mlp_b1", "mlp"), SampleVariant("lenet5_b1", "lenet5"),
                         SampleVariant("lenet5_b8", "lenet5"),
                         SampleVariant("resnet50_b1", "resnet50", "classification", "imagenet")})
          .ok());
  EXPECT_THAT(Names(*store_->ListVariants({})),
              ElementsAre("lenet5_b1", "lenet5_b8", "mlp_b1", "resnet50_b1"));
  v1::VariantFilter by_arch;
  by_arch.set_architecture("lenet5");
  EXPECT_THAT(Names(*store_->ListVariants(by_arch)), ElementsAre("lenet5_b1", "lenet5_b8"));
  v1::VariantFilter by_family;
  by_family.set_task("classification");
  by_family.set_dataset("imagenet");
  EXPECT_THAT(Names(*store_->ListVariants(by_family)), ElementsAre("resnet50_b1"));
}

TEST_P(MetadataStoreContractTest, ListArchitecturesIsSortedAndUnique) {
  ASSERT_TRUE(
      store_
          ->PutVariants({SampleVariant("mlp_b1", "mlp"), SampleVariant("lenet5_b1", "lenet5"),
                         SampleVariant("lenet5_b8", "lenet5"),
                         SampleVariant("resnet50_b1", "resnet50", "classification", "imagenet")})
          .ok());
  EXPECT_THAT(*store_->ListArchitectures("classification", "fashion-mnist"),
              ElementsAre("lenet5", "mlp"));
  EXPECT_THAT(*store_->ListArchitectures("", ""), ElementsAre("lenet5", "mlp", "resnet50"));
  EXPECT_TRUE(store_->ListArchitectures("detection", "coco")->empty());
}

TEST_P(MetadataStoreContractTest, AnInvalidRecordInABatchWritesNothing) {
  v1::VariantRecord bad = SampleVariant("../escape", "lenet5");
  absl::Status s = store_->PutVariants({SampleVariant("ok1", "lenet5"), bad});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  v1::VariantRecord no_task = SampleVariant("ok2", "lenet5");
  no_task.mutable_config()->clear_task();
  s = store_->PutVariants({SampleVariant("ok1", "lenet5"), no_task});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "task")) << s;
  EXPECT_TRUE(store_->ListVariants({})->empty());
}

TEST_P(MetadataStoreContractTest, DeleteVariantsIsAllOrNothing) {
  ASSERT_TRUE(store_->PutVariants({SampleVariant("a", "x"), SampleVariant("b", "x")}).ok());
  absl::Status s = store_->DeleteVariants({"a", "missing"});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(s.message(), "missing")) << s;
  EXPECT_EQ(store_->ListVariants({})->size(), 2u);
  ASSERT_TRUE(store_->DeleteVariants({"a", "b"}).ok());
  EXPECT_TRUE(store_->ListVariants({})->empty());
}

TEST_P(MetadataStoreContractTest, JobsRoundTripUpdateAndListOldestFirst) {
  ASSERT_TRUE(store_->PutJob(SampleJob("job-b", 2000)).ok());
  ASSERT_TRUE(store_->PutJob(SampleJob("job-a", 1000)).ok());
  ASSERT_TRUE(store_->PutJob(SampleJob("job-c", 2000)).ok());
  v1::OfflineJob running = SampleJob("job-a", 1000);
  running.set_state(v1::OfflineJob::STATE_RUNNING);
  running.set_items_done(17);
  ASSERT_TRUE(store_->PutJob(running).ok());

  absl::StatusOr<v1::OfflineJob> got = store_->GetJob("job-a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*got, running));
  absl::StatusOr<std::vector<v1::OfflineJob>> jobs = store_->ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  std::vector<std::string> ids;
  for (const auto& j : *jobs) ids.push_back(j.id());
  EXPECT_THAT(ids, ElementsAre("job-a", "job-b", "job-c"));
}

TEST_P(MetadataStoreContractTest, UnknownJobIsNotFoundAndEmptyIdIsRejected) {
  EXPECT_EQ(store_->GetJob("nojob").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->PutJob(v1::OfflineJob()).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(MetadataStoreContractTest, PinsAreIdempotentSortedAndRemovable) {
  EXPECT_TRUE(store_->ListPinned()->empty());
  ASSERT_TRUE(store_->SetPinned("vgg_mini_onnx_cpu1_b8", true).ok());
  ASSERT_TRUE(store_->SetPinned("lenet5_onnx_cpu1_b1", true).ok());
  ASSERT_TRUE(store_->SetPinned("lenet5_onnx_cpu1_b1", true).ok());
  EXPECT_THAT(*store_->ListPinned(),
              ::testing::ElementsAre("lenet5_onnx_cpu1_b1", "vgg_mini_onnx_cpu1_b8"));
  ASSERT_TRUE(store_->SetPinned("lenet5_onnx_cpu1_b1", false).ok());
  ASSERT_TRUE(store_->SetPinned("never_pinned", false).ok());
  EXPECT_THAT(*store_->ListPinned(), ::testing::ElementsAre("vgg_mini_onnx_cpu1_b8"));
  EXPECT_EQ(store_->SetPinned("../escape", true).code(), absl::StatusCode::kInvalidArgument);
}

v1::ApiKeyRecord SampleKey(const std::string& id, const std::string& tenant) {
  v1::ApiKeyRecord key;
  key.set_id(id);
  key.set_sha256(std::string(64, 'a'));
  key.set_tenant(tenant);
  key.set_role("user");
  key.set_created_at_unix_ms(7);
  return key;
}

TEST_P(MetadataStoreContractTest, ApiKeysRoundTripSortedByTenantAndAreDeletedOnce) {
  EXPECT_TRUE(store_->ListApiKeys()->empty());
  ASSERT_TRUE(store_->PutApiKey(SampleKey("k2", "beta")).ok());
  ASSERT_TRUE(store_->PutApiKey(SampleKey("k9", "alpha")).ok());
  ASSERT_TRUE(store_->PutApiKey(SampleKey("k1", "beta")).ok());
  std::vector<v1::ApiKeyRecord> keys = *store_->ListApiKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].id(), "k9");
  EXPECT_EQ(keys[1].id(), "k1");
  EXPECT_EQ(keys[2].id(), "k2");
  EXPECT_TRUE(MessageDifferencer::Equals(keys[1], SampleKey("k1", "beta")));
  ASSERT_TRUE(store_->DeleteApiKey("k1").ok());
  EXPECT_EQ(store_->DeleteApiKey("k1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListApiKeys()->size(), 2u);
}

TEST_P(MetadataStoreContractTest, InvalidKeysAndTenantsAreRefused) {
  v1::ApiKeyRecord bad_role = SampleKey("k1", "acme");
  bad_role.set_role("root");
  EXPECT_EQ(store_->PutApiKey(bad_role).code(), absl::StatusCode::kInvalidArgument);
  v1::ApiKeyRecord bad_hash = SampleKey("k1", "acme");
  bad_hash.set_sha256("secret-in-clear");
  EXPECT_EQ(store_->PutApiKey(bad_hash).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutApiKey(SampleKey("k1", "../acme")).code(),
            absl::StatusCode::kInvalidArgument);
  v1::TenantRecord negative;
  negative.set_name("acme");
  negative.set_max_in_flight(-1);
  EXPECT_EQ(store_->PutTenant(negative).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListApiKeys()->empty());
  EXPECT_TRUE(store_->ListTenants()->empty());
}

TEST_P(MetadataStoreContractTest, TenantsAreReplacedByNameAndSorted) {
  v1::TenantRecord tenant;
  tenant.set_name("zeta");
  tenant.set_max_queries_per_second(10);
  ASSERT_TRUE(store_->PutTenant(tenant).ok());
  tenant.set_max_queries_per_second(20);
  tenant.set_max_in_flight(4);
  ASSERT_TRUE(store_->PutTenant(tenant).ok());
  tenant.set_name("acme");
  ASSERT_TRUE(store_->PutTenant(tenant).ok());
  std::vector<v1::TenantRecord> tenants = *store_->ListTenants();
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[0].name(), "acme");
  EXPECT_EQ(tenants[1].name(), "zeta");
  EXPECT_EQ(tenants[1].max_queries_per_second(), 20);
  EXPECT_EQ(tenants[1].max_in_flight(), 4);
}

TEST_P(MetadataStoreContractTest, DataSurvivesReopening) {
  ASSERT_TRUE(store_->PutVariants({SampleVariant("kept", "lenet5")}).ok());
  ASSERT_TRUE(store_->PutJob(SampleJob("job-1", 5)).ok());
  ASSERT_TRUE(store_->SetPinned("kept", true).ok());
  ASSERT_TRUE(store_->PutApiKey(SampleKey("k1", "acme")).ok());
  store_.reset();
  auto reopened = env_->Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE((*reopened)->GetVariant("kept").ok());
  EXPECT_TRUE((*reopened)->GetJob("job-1").ok());
  EXPECT_THAT(*(*reopened)->ListPinned(), ::testing::ElementsAre("kept"));
  EXPECT_EQ((*reopened)->ListApiKeys()->size(), 1u);
}

TEST_P(MetadataStoreContractTest, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string n = absl::StrCat("t", t, "_", i);
        EXPECT_TRUE(store_->PutJob(SampleJob(n, i)).ok());
        EXPECT_TRUE(store_->PutVariants({SampleVariant(n, "arch")}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->ListJobs()->size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->ListVariants({})->size(), size_t{kThreads * kPerThread});
}

// Polls `granted` every 10 ms until it holds or 5 s pass (the store's
// clock lets a lease or report lapse; nothing in the test can order that).
template <typename Predicate>
bool Eventually(Predicate granted) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (granted()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST_P(MetadataStoreContractTest, ALeaseHasOneHolderWhoseRenewalsKeepTheToken) {
  absl::StatusOr<Lease> a = store_->AcquireLease("leader", "master-a", absl::Seconds(30));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->HeldBy("master-a"));
  EXPECT_GT(a->token, 0);
  absl::StatusOr<Lease> b = store_->AcquireLease("leader", "master-b", absl::Seconds(30));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->HeldBy("master-b"));
  EXPECT_EQ(b->holder, "master-a");
  EXPECT_EQ(b->token, a->token);
  EXPECT_GT(b->remaining, absl::Seconds(20));
  absl::StatusOr<Lease> renewed = store_->AcquireLease("leader", "master-a", absl::Seconds(30));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_TRUE(renewed->HeldBy("master-a"));
  EXPECT_EQ(renewed->token, a->token);
  // Another lease name is another lease.
  EXPECT_TRUE(store_->AcquireLease("other", "master-b", absl::Seconds(30))->HeldBy("master-b"));
}

TEST_P(MetadataStoreContractTest, ALapsedOrReleasedLeaseGoesToTheNextWithALargerToken) {
  absl::StatusOr<Lease> a = store_->AcquireLease("leader", "master-a", absl::Milliseconds(50));
  ASSERT_TRUE(a.ok()) << a.status();
  Lease b;
  ASSERT_TRUE(Eventually([&] {
    b = *store_->AcquireLease("leader", "master-b", absl::Seconds(30));
    return b.HeldBy("master-b");
  }));
  EXPECT_GT(b.token, a->token);
  // Only the holder can release it.
  ASSERT_TRUE(store_->ReleaseLease("leader", "master-a").ok());
  EXPECT_EQ(store_->AcquireLease("leader", "master-a", absl::Seconds(30))->holder, "master-b");
  ASSERT_TRUE(store_->ReleaseLease("leader", "master-b").ok());
  absl::StatusOr<Lease> again = store_->AcquireLease("leader", "master-a", absl::Seconds(30));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->HeldBy("master-a"));
  EXPECT_GT(again->token, b.token);
  // Tokens only grow, also across reopening the store.
  store_.reset();
  auto reopened = env_->Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_TRUE((*reopened)->ReleaseLease("leader", "master-a").ok());
  EXPECT_GT((*reopened)->AcquireLease("leader", "master-c", absl::Seconds(30))->token,
            again->token);
}

TEST_P(MetadataStoreContractTest, BadLeaseRequestsAreRefused) {
  EXPECT_EQ(store_->AcquireLease("", "a", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AcquireLease("leader", "has space", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AcquireLease("leader", "a", absl::Milliseconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(MetadataStoreContractTest, FencedJobWritesNeedTheCurrentTokenAndNeverReviveAnEndedJob) {
  absl::StatusOr<Lease> a = store_->AcquireLease("leader", "master-a", absl::Seconds(30));
  ASSERT_TRUE(a.ok()) << a.status();
  v1::OfflineJob job = SampleJob("job-1", 1000);
  job.set_state(v1::OfflineJob::STATE_RUNNING);
  ASSERT_TRUE(store_->PutJobFenced(job, {.lease = "leader", .token = a->token}).ok());
  job.set_items_done(5);
  EXPECT_EQ(store_->PutJobFenced(job, {.lease = "leader", .token = a->token - 1}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->PutJobFenced(job, {.lease = "nobody", .token = a->token}).code(),
            absl::StatusCode::kFailedPrecondition);
  // Master b takes over: a's writes are stale now.
  ASSERT_TRUE(store_->ReleaseLease("leader", "master-a").ok());
  absl::StatusOr<Lease> b = store_->AcquireLease("leader", "master-b", absl::Seconds(30));
  ASSERT_TRUE(b.ok()) << b.status();
  absl::Status stale = store_->PutJobFenced(job, {.lease = "leader", .token = a->token});
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(stale.message(), "another master leads")) << stale;
  EXPECT_EQ(store_->GetJob("job-1")->items_done(), 0);
  ASSERT_TRUE(store_->PutJobFenced(job, {.lease = "leader", .token = b->token}).ok());
  EXPECT_EQ(store_->GetJob("job-1")->items_done(), 5);
  // Cancelled through any master: the leader's next progress write loses.
  v1::OfflineJob cancelled = job;
  cancelled.set_state(v1::OfflineJob::STATE_CANCELLED);
  ASSERT_TRUE(store_->PutJob(cancelled).ok());
  job.set_items_done(9);
  EXPECT_EQ(store_->PutJobFenced(job, {.lease = "leader", .token = b->token}).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store_->GetJob("job-1")->state(), v1::OfflineJob::STATE_CANCELLED);
  EXPECT_EQ(store_->GetJob("job-1")->items_done(), 5);
}

TEST_P(MetadataStoreContractTest, AWriteUnlessEndedNeverOverwritesAnEndedJob) {
  v1::OfflineJob job = SampleJob("job-1", 1000);
  job.set_state(v1::OfflineJob::STATE_RUNNING);
  ASSERT_TRUE(store_->PutJobUnlessEnded(job).ok());  // new
  job.set_state(v1::OfflineJob::STATE_CANCELLED);
  ASSERT_TRUE(store_->PutJobUnlessEnded(job).ok());  // running: may end
  job.set_state(v1::OfflineJob::STATE_DONE);
  EXPECT_EQ(store_->PutJobUnlessEnded(job).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_->GetJob("job-1")->state(), v1::OfflineJob::STATE_CANCELLED);
}

TEST_P(MetadataStoreContractTest, ReportsAreListedBySourceAndLapse) {
  ASSERT_TRUE(store_->PutReport("demand", "master-b", "bee", absl::Seconds(30)).ok());
  ASSERT_TRUE(store_->PutReport("demand", "master-a", "ay", absl::Seconds(30)).ok());
  ASSERT_TRUE(store_->PutReport("other", "master-a", "x", absl::Seconds(30)).ok());
  ASSERT_TRUE(store_->PutReport("demand", "master-b", std::string("b\0e", 3), absl::Seconds(30))
                  .ok());  // replaces, binary safe
  EXPECT_THAT(*store_->ListReports("demand"), ElementsAre("ay", std::string("b\0e", 3)));
  EXPECT_THAT(*store_->ListReports("none"), ::testing::IsEmpty());
  ASSERT_TRUE(store_->PutReport("demand", "master-c", "short", absl::Milliseconds(30)).ok());
  EXPECT_TRUE(Eventually([&] { return store_->ListReports("demand")->size() == 2; }));
  EXPECT_EQ(store_->PutReport("", "a", "x", absl::Seconds(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->PutReport("demand", "a", std::string((1 << 20) + 1, 'x'), absl::Seconds(1)).code(),
      absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, MetadataStoreContractTest,
    ::testing::Values(Implementation{"Sqlite", [] { return std::make_unique<SqliteEnv>(); }},
                      Implementation{"Redis", [] { return std::make_unique<RedisEnv>(); }}),
    [](const ::testing::TestParamInfo<Implementation>& info) { return info.param.name; });

}  // namespace
}  // namespace infaas::store
