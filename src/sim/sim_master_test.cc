// SimMaster runs the master's control core: what the core does — the
// autoscaler's vetoes, the router's retries — happens in a simulated run
// too, with nothing restated here.

#include "sim/sim_master.h"

#include <gtest/gtest.h>

#include "controller/testing/variant_records.h"

namespace infaas::sim {
namespace {

using controller::testing::MakeVariant;

constexpr char kLenet[] = "lenet5_onnx_cpu1_b1";

std::shared_ptr<const controller::Catalogue> OneVariant() {
  auto catalogue = std::make_shared<controller::Catalogue>();
  catalogue->variants = {MakeVariant({.name = kLenet, .latency = {{1, 1.0}}, .load_ms = 100})};
  return catalogue;
}

// One query for the variant by name (it loads), then `idle` without any;
// the instances left on the one worker.
int InstancesAfterIdle(bool pinned, absl::Duration idle) {
  EventLoop loop;
  absl::StatusOr<std::unique_ptr<SimMaster>> master =
      SimMaster::Create(&loop, OneVariant(), {.policy = autoscaler::PolicyKind::kInfaas});
  EXPECT_TRUE(master.ok());
  (*master)->Start(/*workers=*/1);
  if (pinned) {
    EXPECT_TRUE((*master)->catalogue().SetPinned(kLenet, true).ok());
  }
  loop.RunUntil(loop.now() + absl::Seconds(1));  // the first heartbeat
  controller::QueryRequirements query;
  query.variant = kLenet;
  absl::Status answer = absl::UnknownError("no answer");
  (*master)->Query(query, [&](const absl::Status& s, const QueryOutcome&) { answer = s; });
  loop.RunUntil(loop.now() + absl::Seconds(2));
  EXPECT_TRUE(answer.ok()) << answer;
  loop.RunUntil(loop.now() + idle);
  return (*master)->instances();
}

TEST(SimMasterTest, AnIdleVariantIsUnloadedUnlessPinnedAsInTheMaster) {
  EXPECT_EQ(InstancesAfterIdle(/*pinned=*/false, absl::Minutes(2)), 0);
  EXPECT_EQ(InstancesAfterIdle(/*pinned=*/true, absl::Minutes(2)), 1);
}

TEST(SimMasterTest, QueriesStillOutWhenItGoesAreAnsweredOnce) {
  EventLoop loop;
  absl::StatusOr<std::unique_ptr<SimMaster>> master =
      SimMaster::Create(&loop, OneVariant(), {.policy = autoscaler::PolicyKind::kStatic});
  ASSERT_TRUE(master.ok());
  (*master)->Start(/*workers=*/1);
  loop.RunUntil(loop.now() + absl::Seconds(1));
  controller::QueryRequirements query;
  query.variant = kLenet;
  int answers = 0;
  absl::Status last;
  (*master)->Query(query, [&](const absl::Status& s, const QueryOutcome&) {
    ++answers;
    last = s;
  });
  loop.RunUntil(loop.now() + absl::Milliseconds(10));  // loading
  EXPECT_EQ(answers, 0);
  master->reset();
  EXPECT_EQ(answers, 1);
  EXPECT_TRUE(absl::IsCancelled(last)) << last;
}

}  // namespace
}  // namespace infaas::sim
