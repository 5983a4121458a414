#include "store/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "store/testing/sample_records.h"

namespace infaas::store {
namespace {

namespace fs = std::filesystem;

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("infaas-sqlite-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "infaas.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Sets PRAGMA user_version on a fresh file, as a newer INFaaS would.
  void WriteSchemaVersion(int version) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, absl::StrCat("PRAGMA user_version=", version).c_str(), nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  fs::path dir_;
  fs::path path_;
};

TEST_F(SqliteMetadataStoreTest, CreatesAFileInWalModeAtTheCurrentSchema) {
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->PutVariants({testing::SampleVariant("v", "a")}).ok());
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_TRUE(fs::exists(dir_ / "infaas.db-wal"));
  store->reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), SqliteMetadataStore::kSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteMetadataStoreTest, MigratesAnEmptySchemaZeroFile) {
  WriteSchemaVersion(0);
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->ListVariants({})->empty());
}

TEST_F(SqliteMetadataStoreTest, RefusesAFileFromANewerSchemaAndLeavesItAlone) {
  WriteSchemaVersion(SqliteMetadataStore::kSchemaVersion + 1);
  const std::string before = *ReadFile(path_);
  auto store = SqliteMetadataStore::Open(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), path_.string())) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "upgrade INFaaS")) << store.status();
  EXPECT_EQ(*ReadFile(path_), before);
}

TEST_F(SqliteMetadataStoreTest, RefusesACorruptFileAndLeavesItAlone) {
  const std::string garbage(8192, 'x');
  ASSERT_TRUE(WriteFileAtomically(path_, garbage).ok());
  auto store = SqliteMetadataStore::Open(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(store.status().message(), path_.string())) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "not an INFaaS SQLite store"))
      << store.status();
  EXPECT_EQ(*ReadFile(path_), garbage);
}

TEST_F(SqliteMetadataStoreTest, MissingFolderIsNotFoundWithTheRemedy) {
  auto store = SqliteMetadataStore::Open(dir_ / "no" / "such" / "infaas.db");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "create it")) << store.status();
}

TEST_F(SqliteMetadataStoreTest, AFolderIsNotAStoreFile) {
  auto store = SqliteMetadataStore::Open(dir_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteMetadataStoreTest, TwoHandlesOnOneFileSeeEachOthersWrites) {
  auto a = SqliteMetadataStore::Open(path_);
  auto b = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->PutVariants({testing::SampleVariant("shared", "x")}).ok());
  EXPECT_TRUE((*b)->GetVariant("shared").ok());
}

TEST(OpenMetadataStoreTest, RejectsUnknownUrlsNamingTheAcceptedForms) {
  auto store = OpenMetadataStore("postgres://db");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "sqlite:PATH")) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "redis://HOST:PORT")) << store.status();
  EXPECT_EQ(OpenMetadataStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenMetadataStore("redis://localhost:http").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::store
