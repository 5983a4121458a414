#pragma once

// HolderIndex: variant -> the workers holding it, each with where the
// variant is in that worker's list, ascending by worker. The index of a
// cluster snapshot (ClusterSnapshot::holders).
//
//   HolderIndex next = snapshot.holders;   // shares everything
//   next.Remove(7, "resnet50_onnx_cpu1_b8");
//   next.Add(7, 0, "lenet5_onnx_cpu1_b1");
//
// A value that snapshots share: its names are spread over kShards shards,
// each an immutable table shared by every copy until a variant in it
// changes, when that shard alone is copied. So a copy costs kShards
// pointers, and a change to one worker the shards of its variants, not the
// whole cluster's. Not thread-safe to change; a copy nobody changes any
// more may be read by any number of threads.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace infaas::controller {

class HolderIndex {
 public:
  struct Holder {
    uint32_t worker;  // position in the snapshot's workers
    uint32_t slot;    // position in that worker's variants
  };

  // The holders of `variant`, or null when none.
  const std::vector<Holder>* Find(absl::string_view variant) const;

  // Worker `worker` holds `variant` at `slot`. A worker already listed
  // keeps its first slot (a worker that lists a variant twice is found at
  // the first, as WorkerSnapshot::Find finds it).
  void Add(uint32_t worker, uint32_t slot, absl::string_view variant);
  // Worker `worker` no longer holds `variant`.
  void Remove(uint32_t worker, absl::string_view variant);

 private:
  static constexpr size_t kShards = 256;
  using Shard = absl::flat_hash_map<std::string, std::vector<Holder>>;

  static size_t HashOf(absl::string_view variant);
  static size_t ShardOf(size_t hash);
  // The shard to change: copied first when another index shares it.
  Shard& MutableShard(size_t shard);

  // Null: empty. Each made as a non-const Shard (MutableShard).
  std::array<std::shared_ptr<const Shard>, kShards> shards_{};
};

}  // namespace infaas::controller
