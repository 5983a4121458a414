#include "offline/job_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::offline {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(JobLedgerTest, HandsOutTheOldestItemsInChunksUntilNoneWaits) {
  JobLedger ledger(5);
  std::optional<JobLedger::Chunk> a = ledger.Take(2, "w1");
  std::optional<JobLedger::Chunk> b = ledger.Take(2, "w2");
  std::optional<JobLedger::Chunk> c = ledger.Take(2, "w1");
  ASSERT_TRUE(a && b && c);
  EXPECT_THAT(a->items, ElementsAre(0, 1));
  EXPECT_THAT(b->items, ElementsAre(2, 3));
  EXPECT_THAT(c->items, ElementsAre(4));
  EXPECT_FALSE(ledger.Take(2, "w2").has_value());
  EXPECT_EQ(ledger.waiting(), 0);
  EXPECT_THAT(ledger.InFlightByWorker(), UnorderedElementsAre(Pair("w1", 2), Pair("w2", 1)));
  EXPECT_THAT(ledger.ChunksOn("w1"), ElementsAre(a->id, c->id));
  EXPECT_FALSE(ledger.Finished());
}

TEST(JobLedgerTest, EveryItemEndsDoneOrFailedExactlyOnceWhenAWorkerDiesMidChunk) {
  JobLedger ledger(6);
  std::optional<JobLedger::Chunk> lost = ledger.Take(3, "dead");
  std::optional<JobLedger::Chunk> kept = ledger.Take(3, "alive");
  // The dead worker's chunk comes back and is redone elsewhere, first.
  ledger.Requeue(ledger.Close(lost->id), /*one_by_one=*/false);
  std::optional<JobLedger::Chunk> redo = ledger.Take(3, "alive");
  ASSERT_TRUE(redo.has_value());
  EXPECT_THAT(redo->items, ElementsAre(0, 1, 2));
  // A late answer for the lost chunk changes nothing.
  EXPECT_THAT(ledger.Close(lost->id), IsEmpty());
  for (size_t item : ledger.Close(kept->id)) EXPECT_TRUE(ledger.MarkDone(item));
  for (size_t item : ledger.Close(redo->id)) EXPECT_TRUE(ledger.MarkDone(item));
  EXPECT_FALSE(ledger.MarkDone(0));  // twice is refused
  EXPECT_EQ(ledger.done(), 6);
  EXPECT_EQ(ledger.failed(), 0);
  EXPECT_TRUE(ledger.Finished());
}

TEST(JobLedgerTest, ARejectedChunkIsRetriedOneItemAtATime) {
  JobLedger ledger(4);
  std::optional<JobLedger::Chunk> chunk = ledger.Take(3, "w1");
  ledger.Requeue(ledger.Close(chunk->id), /*one_by_one=*/true);
  std::vector<std::vector<size_t>> taken;
  while (std::optional<JobLedger::Chunk> next = ledger.Take(3, "w1")) {
    taken.push_back(next->items);
    for (size_t item : ledger.Close(next->id)) {
      if (item == 1) {
        ledger.MarkFailed(item);
      } else {
        ledger.MarkDone(item);
      }
    }
  }
  // Each retried item alone; the untouched one still batches.
  EXPECT_THAT(taken, ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2), ElementsAre(3)));
  EXPECT_EQ(ledger.done(), 3);
  EXPECT_EQ(ledger.failed(), 1);
  EXPECT_TRUE(ledger.Finished());
}

TEST(JobLedgerTest, ItemsMarkedBeforeTheyAreHandedOutAreSkipped) {
  JobLedger ledger(4);
  EXPECT_TRUE(ledger.MarkDone(0));    // its result exists (resume)
  EXPECT_TRUE(ledger.MarkFailed(2));  // failed in an earlier run
  EXPECT_EQ(ledger.waiting(), 2);
  std::optional<JobLedger::Chunk> chunk = ledger.Take(8, "w1");
  ASSERT_TRUE(chunk.has_value());
  EXPECT_THAT(chunk->items, ElementsAre(1, 3));
  EXPECT_FALSE(ledger.MarkDone(1)) << "an item in a chunk is resolved only after Close";
  for (size_t item : ledger.Close(chunk->id)) ledger.MarkDone(item);
  EXPECT_TRUE(ledger.Finished());
  EXPECT_EQ(ledger.done(), 3);
}

TEST(JobLedgerTest, ClosedItemsKeepTheJobUnfinishedUntilResolved) {
  JobLedger ledger(1);
  std::optional<JobLedger::Chunk> chunk = ledger.Take(1, "w1");
  std::vector<size_t> items = ledger.Close(chunk->id);
  EXPECT_FALSE(ledger.Finished());
  ledger.MarkDone(items[0]);
  EXPECT_TRUE(ledger.Finished());
  EXPECT_TRUE(JobLedger(0).Finished());
}

}  // namespace
}  // namespace infaas::offline
