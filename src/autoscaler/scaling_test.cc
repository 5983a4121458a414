#include "autoscaler/scaling.h"

#include <gtest/gtest.h>

namespace infaas::autoscaler {
namespace {

std::shared_ptr<const controller::ClusterSnapshot> At(absl::Time t) {
  auto snapshot = std::make_shared<controller::ClusterSnapshot>();
  snapshot->taken_at = t;
  return snapshot;
}

TEST(ClusterHistoryTest, DropsSnapshotsOlderThanItKeeps) {
  const absl::Time t0 = absl::UnixEpoch();
  ClusterHistory history(absl::Seconds(10));
  for (int s = 0; s <= 20; ++s) history.Add(At(t0 + absl::Seconds(s)));
  EXPECT_EQ(history.Oldest(), t0 + absl::Seconds(10));
  EXPECT_EQ(history.snapshots().size(), 11u);
}

TEST(ClusterHistoryTest, RoundsMoreFrequentThanTheSpacingReplaceTheNewest) {
  const absl::Time t0 = absl::UnixEpoch();
  ClusterHistory history(absl::Seconds(60), absl::Seconds(1));
  history.Add(At(t0));
  history.Add(At(t0 + absl::Seconds(1)));
  // Ten rounds within the next second: one more entry, which moves.
  for (int ms = 100; ms <= 1000; ms += 100) {
    history.Add(At(t0 + absl::Seconds(1) + absl::Milliseconds(ms)));
    ASSERT_EQ(history.snapshots().size(), 3u);
    EXPECT_EQ(history.snapshots().back()->taken_at, t0 + absl::Seconds(1) + absl::Milliseconds(ms));
  }
  // The newest is a second after the one before now: it stays.
  history.Add(At(t0 + absl::Seconds(2) + absl::Milliseconds(100)));
  EXPECT_EQ(history.snapshots().size(), 4u);
  EXPECT_EQ(history.Oldest(), t0);
}

}  // namespace
}  // namespace infaas::autoscaler
