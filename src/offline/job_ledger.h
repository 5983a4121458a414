#pragma once

// JobLedger: where each input of one offline job stands — waiting, in a
// chunk on a worker, done or failed — so that every input ends done or
// failed exactly once, whatever happens to the workers.
//
//   JobLedger ledger(inputs.items.size());
//   ledger.MarkDone(3);                               // its result exists (resume)
//   std::optional<JobLedger::Chunk> c = ledger.Take(8, "worker-1");
//   ... the chunk's RPC fails with UNAVAILABLE ...
//   ledger.Requeue(ledger.Close(c->id), /*one_by_one=*/false);   // redone elsewhere
//   ... or it succeeds ...
//   for (size_t item : ledger.Close(c->id)) ledger.MarkDone(item);
//
// Take hands out the oldest waiting items; requeued items go back to the
// front. An item requeued one by one is later handed out alone (to find
// which input of a rejected chunk is bad). Items returned by Close belong to
// the caller until it marks them done or failed or requeues them.
//
// A plain value owned by the job runner's thread; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace infaas::offline {

class JobLedger {
 public:
  struct Chunk {
    int64_t id = 0;
    std::string worker_id;
    std::vector<size_t> items;  // indices into the job's inputs
  };

  explicit JobLedger(size_t items);

  // The next chunk of up to `max_items` waiting items (one, if the first
  // waits to be tried alone) for `worker_id`; nullopt when none waits.
  std::optional<Chunk> Take(int max_items, const std::string& worker_id);

  // Ends chunk `id` and returns its items, now the caller's to resolve.
  // Empty for an unknown or already closed chunk.
  std::vector<size_t> Close(int64_t id);

  // Puts items back at the front of the waiting line, in their order;
  // `one_by_one` makes Take hand each out alone.
  void Requeue(const std::vector<size_t>& items, bool one_by_one);

  // Final states. An item may be marked while waiting (at resume: its
  // result exists, or it failed before) or after Close. Marking an item in
  // a chunk, or marking it twice, is ignored and returns false.
  bool MarkDone(size_t item);
  bool MarkFailed(size_t item);

  // The chunks in flight on `worker_id`, and the count per worker.
  std::vector<int64_t> ChunksOn(const std::string& worker_id) const;
  std::map<std::string, int> InFlightByWorker() const;
  const Chunk* Find(int64_t id) const;

  int64_t done() const { return done_; }
  int64_t failed() const { return failed_; }
  int64_t waiting() const { return waiting_count_; }
  int64_t in_flight_chunks() const { return static_cast<int64_t>(chunks_.size()); }
  // Nothing waits, runs or awaits resolution.
  bool Finished() const;

 private:
  enum class State { kWaiting, kInChunk, kClosed, kDone, kFailed };
  struct Waiting {
    size_t item = 0;
    bool alone = false;
  };

  bool Mark(size_t item, State state);

  std::vector<State> states_;
  std::deque<Waiting> waiting_;
  std::map<int64_t, Chunk> chunks_;
  int64_t next_chunk_id_ = 1;
  int64_t waiting_count_ = 0;  // items in state kWaiting
  int64_t closed_ = 0;         // items returned by Close, not yet resolved
  int64_t done_ = 0;
  int64_t failed_ = 0;
};

}  // namespace infaas::offline
