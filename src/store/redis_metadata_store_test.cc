#include "store/redis_metadata_store.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "store/testing/redis_server.h"
#include "store/testing/sample_records.h"

namespace infaas::store {
namespace {

class RedisMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    options_.port = server_->port();
  }
  std::unique_ptr<testing::RedisServer> server_;
  RedisMetadataStore::Options options_;
};

TEST_F(RedisMetadataStoreTest, DataSurvivesARedisRestartAndTheClientReconnects) {
  auto store = RedisMetadataStore::Create(options_);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->PutVariants({testing::SampleVariant("before", "lenet5")}).ok());
  ASSERT_TRUE((*store)->PutJob(testing::SampleJob("job-1", 1)).ok());

  ASSERT_TRUE(server_->Restart().ok());

  // The same client object: its old connection is dead; it must reconnect.
  absl::StatusOr<v1::VariantRecord> got = (*store)->GetVariant("before");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->config().architecture(), "lenet5");
  EXPECT_TRUE((*store)->GetJob("job-1").ok());
  ASSERT_TRUE((*store)->PutVariants({testing::SampleVariant("after", "lenet5")}).ok());
  EXPECT_EQ((*store)->ListVariants({})->size(), 2u);
}

TEST_F(RedisMetadataStoreTest, ARedisThatIsDownGivesUnavailableNamingTheServer) {
  auto store = RedisMetadataStore::Create(options_);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(server_->Stop().ok());
  absl::Status s = (*store)->PutVariants({testing::SampleVariant("lost", "x")});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(s.message(), absl::StrCat("127.0.0.1:", options_.port))) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "start redis-server")) << s;

  // Nothing was half-written: once Redis is back the variant is absent.
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ((*store)->GetVariant("lost").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RedisMetadataStoreTest, CreateFailsClearlyWhenNothingListens) {
  ASSERT_TRUE(server_->Stop().ok());
  auto store = RedisMetadataStore::Create(options_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "cannot be reached")) << store.status();
}

TEST_F(RedisMetadataStoreTest, RefusesDataFromANewerSchema) {
  {
    auto store = RedisMetadataStore::Create(options_);
    ASSERT_TRUE(store.ok());
  }
  internal::RedisConnection raw("127.0.0.1", options_.port, 0, absl::Seconds(1));
  ASSERT_TRUE(raw.Connect().ok());
  ASSERT_TRUE(raw.Run({"SET", "infaas:schema_version", "99"}).ok());
  auto store = RedisMetadataStore::Create(options_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "99")) << store.status();
}

TEST_F(RedisMetadataStoreTest, OpensFromAUrlWithADatabaseNumber) {
  auto store = OpenMetadataStore(absl::StrCat("redis://127.0.0.1:", options_.port, "/3"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), absl::StrCat("redis://127.0.0.1:", options_.port, "/3"));
  ASSERT_TRUE((*store)->PutVariants({testing::SampleVariant("in_db3", "x")}).ok());
  auto db0 = OpenMetadataStore(absl::StrCat("redis://127.0.0.1:", options_.port));
  ASSERT_TRUE(db0.ok());
  EXPECT_EQ((*db0)->GetVariant("in_db3").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RedisMetadataStoreTest, APasswordIsSentAndAMissingOneIsNamed) {
  internal::RedisConnection raw("127.0.0.1", options_.port, 0, absl::Seconds(1));
  ASSERT_TRUE(raw.Connect().ok());
  ASSERT_TRUE(raw.Run({"CONFIG", "SET", "requirepass", "s3cret"}).ok());

  auto without = RedisMetadataStore::Create(options_);
  EXPECT_EQ(without.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(without.status().message(), "INFAAS_REDIS_PASSWORD"))
      << without.status();
  RedisMetadataStore::Options wrong = options_;
  wrong.password = "guess";
  EXPECT_EQ(RedisMetadataStore::Create(wrong).status().code(), absl::StatusCode::kPermissionDenied);

  RedisMetadataStore::Options right = options_;
  right.password = "s3cret";
  auto store = RedisMetadataStore::Create(right);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->PutVariants({testing::SampleVariant("guarded", "x")}).ok());
  EXPECT_EQ((*store)->ListVariants({})->size(), 1u);
}

}  // namespace
}  // namespace infaas::store
