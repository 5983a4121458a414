#include "controller/holder_index.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace infaas::controller {

size_t HolderIndex::HashOf(absl::string_view variant) {
  // The shards' tables hash names the same way, so a lookup hashes once.
  return absl::Hash<absl::string_view>()(variant);
}

size_t HolderIndex::ShardOf(size_t hash) {
  // The top bits: the tables use the low ones (their control bytes and
  // first probe), which would be alike for every name of a shard.
  return (hash >> 56) % kShards;
}

HolderIndex::Shard& HolderIndex::MutableShard(size_t shard) {
  std::shared_ptr<const Shard>& s = shards_[shard];
  if (s == nullptr) {
    s = std::make_shared<Shard>();
  } else if (s.use_count() != 1) {
    s = std::make_shared<Shard>(*s);
  }
  // Every shard is made as a non-const Shard (above), and this index holds
  // the only reference: changing it in place is sound.
  return const_cast<Shard&>(*s);
}

const std::vector<HolderIndex::Holder>* HolderIndex::Find(absl::string_view variant) const {
  const size_t hash = HashOf(variant);
  const std::shared_ptr<const Shard>& shard = shards_[ShardOf(hash)];
  if (shard == nullptr) return nullptr;
  auto it = shard->find(variant, hash);
  return it == shard->end() ? nullptr : &it->second;
}

namespace {

auto ByWorker() {
  return [](const HolderIndex::Holder& h, uint32_t worker) { return h.worker < worker; };
}

}  // namespace

void HolderIndex::Add(uint32_t worker, uint32_t slot, absl::string_view variant) {
  std::vector<Holder>& holders = MutableShard(ShardOf(HashOf(variant)))[variant];
  auto at = std::lower_bound(holders.begin(), holders.end(), worker, ByWorker());
  if (at != holders.end() && at->worker == worker) return;
  holders.insert(at, Holder{.worker = worker, .slot = slot});
}

void HolderIndex::Remove(uint32_t worker, absl::string_view variant) {
  const std::vector<Holder>* found = Find(variant);
  if (found == nullptr) return;
  auto listed = std::lower_bound(found->begin(), found->end(), worker, ByWorker());
  if (listed == found->end() || listed->worker != worker) return;
  Shard& shard = MutableShard(ShardOf(HashOf(variant)));
  auto it = shard.find(variant);
  std::vector<Holder>& holders = it->second;
  holders.erase(holders.begin() + (listed - found->begin()));
  if (holders.empty()) shard.erase(it);
}

}  // namespace infaas::controller
