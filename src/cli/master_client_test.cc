#include "cli/master_client.h"

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"

namespace infaas::cli {
namespace {

namespace fs = std::filesystem;

class MasterAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("master_client_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    address_file_ = dir_ / "master.address";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteAddressFile(const std::string& text) { std::ofstream(address_file_) << text; }

  fs::path dir_;
  fs::path address_file_;
};

TEST_F(MasterAddressTest, FlagWinsOverEverything) {
  WriteAddressFile("127.0.0.1:4000\n");
  EXPECT_EQ(ResolveMasterAddress("flag:1", "env:2", address_file_), "flag:1");
}

TEST_F(MasterAddressTest, EnvironmentComesSecond) {
  WriteAddressFile("127.0.0.1:4000\n");
  EXPECT_EQ(ResolveMasterAddress("", "env:2", address_file_), "env:2");
}

TEST_F(MasterAddressTest, AddressFileWrittenByUpComesThird) {
  WriteAddressFile("  127.0.0.1:4000\nignored\n");
  EXPECT_EQ(ResolveMasterAddress("", "", address_file_), "127.0.0.1:4000");
}

TEST_F(MasterAddressTest, FallsBackToLocalhost50052) {
  EXPECT_EQ(ResolveMasterAddress("", "", address_file_), "localhost:50052");
  WriteAddressFile("\n");
  EXPECT_EQ(ResolveMasterAddress(" ", " ", address_file_), "localhost:50052");
}

TEST(MasterClientTest, ExplainsAnUnreachableMaster) {
  // Port 1 on loopback: nothing listens there in a test environment.
  MasterClient master("127.0.0.1:1");
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(5));
  v1::ClusterStatus status;
  const grpc::Status s = master.stub().GetClusterStatus(&context, {}, &status);
  ASSERT_FALSE(s.ok());
  const absl::Status error = master.CallError(s);
  EXPECT_EQ(error.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(error.message(), "UNAVAILABLE: ")) << error.message();
  EXPECT_TRUE(absl::StrContains(error.message(), "no master answers at 127.0.0.1:1"))
      << error.message();
}

}  // namespace
}  // namespace infaas::cli
