#include "common/wire_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas {
namespace {

using ::testing::HasSubstr;

// A length-delimited field (wire type 2) of `number` holding `payload`.
std::string Field(int number, const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>((number << 3) | 2));
  out.push_back(static_cast<char>(payload.size()));  // payloads here are < 128 bytes
  return out + payload;
}

const std::vector<WireFieldLimit> kLimits = {
    {.number = 1,
     .name = "inputs",
     .kind = WireKind::kMessage,
     .max_count = 3,
     .nested = {{.number = 3, .name = "shape", .kind = WireKind::kPacked, .max_count = 4}}},
    {.number = 7, .name = "raw", .kind = WireKind::kBytes, .max_count = 2}};

TEST(WireLimitsTest, CountsRepeatedSubMessagesBeforeParsing) {
  std::string message;
  for (int i = 0; i < 3; ++i) message += Field(1, "");
  EXPECT_TRUE(CheckWireLimits(message, kLimits).ok());
  message += Field(1, "");
  const absl::Status s = CheckWireLimits(message, kLimits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("inputs holds more than 3 entries"));
}

TEST(WireLimitsTest, CountsPackedValuesInsideEachSubMessage) {
  // shape [1, 300, 2, 5]: 300 takes two bytes.
  const std::string four = Field(3, std::string("\x01\xac\x02\x02\x05", 5));
  EXPECT_TRUE(CheckWireLimits(Field(1, four) + Field(1, four), kLimits).ok());
  const std::string five = Field(3, std::string("\x01\xac\x02\x02\x05\x07", 6));
  const absl::Status s = CheckWireLimits(Field(1, five), kLimits);
  EXPECT_THAT(s.message(), HasSubstr("inputs.shape holds more than 4"));
  // Unpacked values count one each.
  std::string unpacked;
  for (int i = 0; i < 5; ++i) unpacked += std::string{static_cast<char>(3 << 3), 1};
  EXPECT_FALSE(CheckWireLimits(Field(1, unpacked), kLimits).ok());
}

TEST(WireLimitsTest, SkipsOtherFieldsAndLeavesMalformedBytesToTheParser) {
  std::string message = Field(2, "name") + Field(7, "a") + Field(7, "b");
  message += std::string{static_cast<char>((4 << 3) | 0), 0x05};        // a varint field
  message += std::string{static_cast<char>((5 << 3) | 5), 1, 2, 3, 4};  // a fixed32
  EXPECT_TRUE(CheckWireLimits(message, kLimits).ok());
  EXPECT_FALSE(CheckWireLimits(message + Field(7, "c"), kLimits).ok());
  EXPECT_TRUE(CheckWireLimits(std::string("\x0a\x7f", 2), kLimits).ok());  // length past the end
  EXPECT_TRUE(CheckWireLimits(std::string(3, '\xff'), kLimits).ok());      // a varint cut short
}

}  // namespace
}  // namespace infaas
