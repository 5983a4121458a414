// `infaas query` as a newcomer first runs it: the architecture form for a
// model nothing has loaded yet. The master refuses the first try for now
// (UNAVAILABLE: the load does not fit the target) and says when to retry;
// the CLI follows that within --wait-ms and says what happened, so the
// first thing one sees of the form is an answer. Real master and worker
// processes, the real `infaas` binary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CliQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = TestCluster::Start({.workers = 1, .zoo_models = {"linear", "mlp"}});
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
  }
  static void TearDownTestSuite() { delete cluster_; }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }

  struct Run {
    int exit_code = -1;
    std::string out, err;
  };
  // Runs `infaas query ARGS -i SAMPLE --master ...`.
  static Run Query(const std::string& args) {
    const std::string out = (cluster_->dir() / "query.out").string();
    const std::string err = (cluster_->dir() / "query.err").string();
    const int rc =
        std::system(absl::StrCat((TestCluster::BinaryDir() / "bin/infaas").string(), " query ",
                                 args, " -i ", SampleImages()[0].string(), " --master ",
                                 cluster_->master_address(), " > ", out, " 2> ", err)
                        .c_str());
    return {.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1,
            .out = ReadFile(out).value_or(""),
            .err = ReadFile(err).value_or("")};
  }

  static TestCluster* cluster_;
};

TestCluster* CliQueryTest::cluster_ = nullptr;

TEST_F(CliQueryTest, AFirstQueryWhoseLoadDoesNotFitIsSentAgainWhenTheMasterSays) {
  // 15 ms: no first load of mlp fits (it is expected to take three times
  // the profile's: 23 to 36 ms measured here), so the master refuses it for
  // now and says when to retry; the CLI sends it again then.
  const Run run = Query("-a mlp -l 15");
  std::cout << "infaas query -a mlp -l 15, stderr:\n" << run.err;
  EXPECT_THAT(run.err, HasSubstr("refused at first (UNAVAILABLE: no variant of mlp meets 15 ms"));
  EXPECT_THAT(run.err, HasSubstr("loading in the background"));
  if (run.exit_code == 0) {
    EXPECT_THAT(run.err, HasSubstr("answered on retry after"));
    EXPECT_THAT(run.err, HasSubstr("variant mlp_"));
    EXPECT_THAT(run.out, Not(::testing::IsEmpty()));  // the classes
  } else {
    // The retry met a refusal without a hint: on a busy machine the worker
    // may still predict the fresh variant late (its deadline rule allows
    // for the profile's tail), and that answer is final.
    EXPECT_THAT(run.err, HasSubstr("infaas query: RESOURCE_EXHAUSTED: variant mlp_"));
  }
}

TEST_F(CliQueryTest, WithoutWaitingTheRefusalIsTheAnswer) {
  const Run run = Query("-a linear -l 2 --wait-ms 0");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("infaas query: UNAVAILABLE: no variant of linear meets 2 ms"));
  EXPECT_THAT(run.err, Not(HasSubstr("refused at first")));
  // A refusal that no wait would cure is not retried.
  const Run impossible = Query("-a linear -l 0.000001");
  EXPECT_EQ(impossible.exit_code, 1) << impossible.err;
  EXPECT_THAT(impossible.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(impossible.err, Not(HasSubstr("refused at first")));
}

}  // namespace
}  // namespace infaas::testing
