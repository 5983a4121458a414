#include "common/model_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"

namespace infaas {
namespace {

using ::testing::HasSubstr;

TEST(ModelNameTest, AcceptsInfaasStyleNames) {
  for (const char* name : {"lenet5", "lenet5_torchscript_cpu2_b8", "resnet-50.v2", "A_1"}) {
    EXPECT_TRUE(ValidateModelName(name).ok()) << name;
  }
}

TEST(ModelNameTest, RejectsNamesThatCouldEscapeAFolder) {
  const std::string with_nul("ab\0c", 4);
  for (absl::string_view name :
       {absl::string_view(""), absl::string_view(".."), absl::string_view("."),
        absl::string_view("../etc"), absl::string_view("a/b"), absl::string_view("/abs"),
        absl::string_view("a\\b"), absl::string_view(with_nul), absl::string_view(".hidden"),
        absl::string_view("-flag"), absl::string_view("sp ace")}) {
    absl::Status s = ValidateModelName(name);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

TEST(ModelNameTest, RequestedNamesAreBoundedAndFreeOfControlCharacters) {
  EXPECT_TRUE(ValidateRequestedName("variant", "lenet5_onnx_cpu1_b8").ok());
  EXPECT_TRUE(ValidateRequestedName("dataset", "fashion mnist").ok());
  const absl::Status long_name = ValidateRequestedName("variant", std::string(10000, 'a'));
  EXPECT_EQ(long_name.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_name.message(), HasSubstr("10000 characters long"));
  EXPECT_LT(long_name.message().size(), 200u);  // the error echoes a bounded part
  const absl::Status forged = ValidateRequestedName("architecture", "x\n[info] forged");
  EXPECT_EQ(forged.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(forged.message(), HasSubstr("x\\x0a[info] forged"));
}

TEST(ModelNameTest, ErrorShowsControlCharactersAndTheRule) {
  absl::Status s = ValidateModelName(std::string("ab\0c", 4));
  EXPECT_TRUE(absl::StrContains(s.message(), "ab\\x00c")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "letters, digits")) << s;
}

TEST(ModelNameTest, RejectsOverlongNames) {
  EXPECT_FALSE(ValidateModelName(std::string(129, 'a')).ok());
  EXPECT_TRUE(ValidateModelName(std::string(128, 'a')).ok());
}

TEST(RelativeModelPathTest, AcceptsNestedRelativePaths) {
  EXPECT_TRUE(ValidateRelativeModelPath("model.pt").ok());
  EXPECT_TRUE(ValidateRelativeModelPath("weights/part1.bin").ok());
}

TEST(RelativeModelPathTest, RejectsSeparatorsInTheWrongPlace) {
  for (const char* path : {"/etc/passwd", "a//b", "a/", "../x", "a/../../x", "a/./b", ""}) {
    EXPECT_EQ(ValidateRelativeModelPath(path).code(), absl::StatusCode::kInvalidArgument) << path;
  }
}

}  // namespace
}  // namespace infaas
