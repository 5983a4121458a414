#include "offline/job_ledger.h"

#include <algorithm>

namespace infaas::offline {

JobLedger::JobLedger(size_t items)
    : states_(items, State::kWaiting), waiting_count_(static_cast<int64_t>(items)) {
  for (size_t i = 0; i < items; ++i) waiting_.push_back({i, false});
}

std::optional<JobLedger::Chunk> JobLedger::Take(int max_items, const std::string& worker_id) {
  // Items marked done or failed while waiting are dropped from the line here.
  while (!waiting_.empty() && states_[waiting_.front().item] != State::kWaiting) {
    waiting_.pop_front();
  }
  if (waiting_.empty()) return std::nullopt;
  Chunk chunk;
  chunk.id = next_chunk_id_++;
  chunk.worker_id = worker_id;
  const int limit = waiting_.front().alone ? 1 : std::max(1, max_items);
  while (!waiting_.empty() && static_cast<int>(chunk.items.size()) < limit) {
    const Waiting next = waiting_.front();
    if (states_[next.item] != State::kWaiting) {
      waiting_.pop_front();
      continue;
    }
    if (next.alone && !chunk.items.empty()) break;  // goes alone, next time
    waiting_.pop_front();
    states_[next.item] = State::kInChunk;
    --waiting_count_;
    chunk.items.push_back(next.item);
  }
  chunks_[chunk.id] = chunk;
  return chunk;
}

std::vector<size_t> JobLedger::Close(int64_t id) {
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return {};
  std::vector<size_t> items = std::move(it->second.items);
  chunks_.erase(it);
  for (size_t item : items) states_[item] = State::kClosed;
  closed_ += static_cast<int64_t>(items.size());
  return items;
}

void JobLedger::Requeue(const std::vector<size_t>& items, bool one_by_one) {
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (*it >= states_.size() || states_[*it] != State::kClosed) continue;
    states_[*it] = State::kWaiting;
    --closed_;
    ++waiting_count_;
    waiting_.push_front({*it, one_by_one});
  }
}

bool JobLedger::Mark(size_t item, State state) {
  if (item >= states_.size()) return false;
  const State before = states_[item];
  if (before != State::kWaiting && before != State::kClosed) return false;
  if (before == State::kClosed) --closed_;
  if (before == State::kWaiting) --waiting_count_;
  states_[item] = state;
  (state == State::kDone ? done_ : failed_) += 1;
  return true;
}

bool JobLedger::MarkDone(size_t item) { return Mark(item, State::kDone); }
bool JobLedger::MarkFailed(size_t item) { return Mark(item, State::kFailed); }

std::vector<int64_t> JobLedger::ChunksOn(const std::string& worker_id) const {
  std::vector<int64_t> ids;
  for (const auto& [id, chunk] : chunks_) {
    if (chunk.worker_id == worker_id) ids.push_back(id);
  }
  return ids;
}

std::map<std::string, int> JobLedger::InFlightByWorker() const {
  std::map<std::string, int> counts;
  for (const auto& [id, chunk] : chunks_) ++counts[chunk.worker_id];
  return counts;
}

const JobLedger::Chunk* JobLedger::Find(int64_t id) const {
  auto it = chunks_.find(id);
  return it == chunks_.end() ? nullptr : &it->second;
}

bool JobLedger::Finished() const { return chunks_.empty() && closed_ == 0 && waiting_count_ == 0; }

}  // namespace infaas::offline
