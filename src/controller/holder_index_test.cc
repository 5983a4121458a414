#include "controller/holder_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace infaas::controller {
namespace {

std::vector<std::pair<uint32_t, uint32_t>> Listed(const HolderIndex& index,
                                                  const std::string& variant) {
  std::vector<std::pair<uint32_t, uint32_t>> listed;
  if (const auto* holders = index.Find(variant)) {
    for (const HolderIndex::Holder& h : *holders) listed.emplace_back(h.worker, h.slot);
  }
  return listed;
}

TEST(HolderIndexTest, ListsHoldersByWorkerAndKeepsAWorkersFirstSlot) {
  HolderIndex index;
  EXPECT_EQ(index.Find("a"), nullptr);
  index.Add(5, 0, "a");
  index.Add(2, 3, "a");
  index.Add(5, 4, "a");  // listed twice there: the first slot stays
  EXPECT_EQ(Listed(index, "a"), (std::vector<std::pair<uint32_t, uint32_t>>{{2, 3}, {5, 0}}));
  index.Remove(2, "a");
  index.Remove(9, "a");  // not a holder: nothing
  EXPECT_EQ(Listed(index, "a"), (std::vector<std::pair<uint32_t, uint32_t>>{{5, 0}}));
  index.Remove(5, "a");
  EXPECT_EQ(index.Find("a"), nullptr);
}

TEST(HolderIndexTest, ACopyIsUnchangedByChangesToTheOther) {
  HolderIndex before;
  before.Add(1, 0, "a");
  before.Add(1, 1, "b");
  HolderIndex after = before;
  after.Remove(1, "a");
  after.Add(2, 0, "b");
  after.Add(3, 0, "c");
  EXPECT_EQ(Listed(before, "a").size(), 1u);
  EXPECT_EQ(Listed(before, "b").size(), 1u);
  EXPECT_EQ(before.Find("c"), nullptr);
  EXPECT_EQ(after.Find("a"), nullptr);
  EXPECT_EQ(Listed(after, "b").size(), 2u);
  // And the other way round.
  before.Add(4, 0, "c");
  EXPECT_EQ(Listed(after, "c"), (std::vector<std::pair<uint32_t, uint32_t>>{{3, 0}}));
}

TEST(HolderIndexTest, AgreesWithAPlainMapOverRandomChangesAndCopies) {
  std::mt19937 random(7);
  std::map<std::string, std::map<uint32_t, uint32_t>> expected;
  HolderIndex index;
  std::vector<HolderIndex> copies;
  for (int step = 0; step < 20000; ++step) {
    const std::string variant = absl::StrCat("v", random() % 600);
    const uint32_t worker = random() % 50;
    if (random() % 2 == 0) {
      const uint32_t slot = random() % 8;
      index.Add(worker, slot, variant);
      expected[variant].try_emplace(worker, slot);
    } else {
      index.Remove(worker, variant);
      expected[variant].erase(worker);
    }
    if (step % 1000 == 0) copies.push_back(index);  // shares, then diverges
  }
  for (int v = 0; v < 600; ++v) {
    const std::string variant = absl::StrCat("v", v);
    std::vector<std::pair<uint32_t, uint32_t>> want(expected[variant].begin(),
                                                    expected[variant].end());
    EXPECT_EQ(Listed(index, variant), want) << variant;
  }
}

}  // namespace
}  // namespace infaas::controller
