#include "common/master_target.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas {
namespace {

using ::testing::ElementsAre;

TEST(MasterTargetTest, SplitsOnCommasAndDropsWhiteSpace) {
  EXPECT_THAT(SplitMasterAddresses(" 10.0.0.1:50052 , 10.0.0.2:50052,,"),
              ElementsAre("10.0.0.1:50052", "10.0.0.2:50052"));
  EXPECT_TRUE(SplitMasterAddresses("  ").empty());
}

TEST(MasterTargetTest, OneMasterIsDialledAsGiven) {
  grpc::ChannelArguments args;
  absl::StatusOr<std::string> target = MasterTarget("master.infaas.svc:50052", args);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(*target, "master.infaas.svc:50052");
}

TEST(MasterTargetTest, SeveralBecomeOneFailoverTargetInTheirOrder) {
  grpc::ChannelArguments args;
  absl::StatusOr<std::string> target =
      MasterTarget("10.0.0.2:50052,127.0.0.1:7, localhost:9", args);
  ASSERT_TRUE(target.ok()) << target.status();
  // localhost resolves to 127.0.0.1 (and ::1, left out: one family per target).
  EXPECT_EQ(*target, "ipv4:10.0.0.2:50052,127.0.0.1:7,127.0.0.1:9");
  grpc_channel_args raw = args.c_channel_args();
  bool has_service_config = false;
  for (size_t i = 0; i < raw.num_args; ++i) {
    if (std::string(raw.args[i].key) == GRPC_ARG_SERVICE_CONFIG) has_service_config = true;
  }
  EXPECT_TRUE(has_service_config) << "several masters need the retry policy";
}

TEST(MasterTargetTest, BadAddressesAreRefusedWithTheFix) {
  grpc::ChannelArguments args;
  absl::StatusOr<std::string> no_port = MasterTarget("10.0.0.1,10.0.0.2:50052", args);
  EXPECT_EQ(no_port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_port.status().message()), ::testing::HasSubstr("HOST:PORT"));
  EXPECT_EQ(MasterTarget("", args).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MasterTarget("no-such-host.invalid:1,also-not.invalid:2", args).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace infaas
