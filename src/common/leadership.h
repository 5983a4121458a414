#pragma once

// Leadership: whether this process may act for the whole cluster right now
// — run the autoscaler, the worker provisioner and the offline job runner —
// and the fencing token that proves it to whoever it acts on.
//
//   if (std::optional<int64_t> token = leadership->Token()) {
//     ...act, stamping each write with *token...
//   }
//
// Several masters share one store; one of them holds the leader lease
// (store::LeaderLease). A token is only good while Token() returns it: a
// write stamped with an older token is refused by the store or the worker
// that checks it. Implementations are thread-safe and never block.

#include <cstdint>
#include <optional>

namespace infaas {

class Leadership {
 public:
  virtual ~Leadership() = default;
  // The fencing token while this process leads; nullopt while it does not.
  virtual std::optional<int64_t> Token() const = 0;
};

// Always leads with token 0 (one master on its own, tests).
class SoleLeader final : public Leadership {
 public:
  std::optional<int64_t> Token() const override { return 0; }
};

}  // namespace infaas
