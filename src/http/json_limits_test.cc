#include "http/json_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace infaas::http {
namespace {

using ::testing::HasSubstr;

TEST(JsonLimitsTest, CountsObjectsAndArraysOutsideStrings) {
  EXPECT_TRUE(CheckJsonContainers(R"({"a":[1,[2,3]]})", 3).ok());
  const absl::Status s = CheckJsonContainers(R"({"a":[1,[2,3]],"b":{}})", 3);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("more than 3 objects and arrays"));
  // Brackets in strings, escaped quotes included, are text.
  EXPECT_TRUE(CheckJsonContainers(R"({"a":"[[{{\"[[{{"})", 1).ok());
}

TEST(JsonLimitsTest, ABodyOfEmptyObjectsIsRefusedBeforeParsing) {
  std::string body = "[";
  for (int i = 0; i < 2000; ++i) body += "{},";
  body += "{}]";
  EXPECT_FALSE(CheckJsonContainers(body, 1000).ok());
  EXPECT_TRUE(CheckJsonContainers(body).ok());  // well under the default
}

}  // namespace
}  // namespace infaas::http
