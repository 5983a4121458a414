#include "controller/cluster_snapshot.h"

#include <algorithm>

namespace infaas::controller {

double WorkerSnapshot::IdleCores() const {
  return std::max(cores, 1) * (1.0 - std::clamp(cpu_utilization, 0.0, 1.0));
}

WorkerList::WorkerList(std::initializer_list<WorkerSnapshot> workers) {
  items_.reserve(workers.size());
  for (const WorkerSnapshot& w : workers) push_back(w);
}

WorkerList::WorkerList(const std::vector<WorkerSnapshot>& workers) {
  items_.reserve(workers.size());
  for (const WorkerSnapshot& w : workers) push_back(w);
}

void WorkerList::push_back(WorkerSnapshot worker) {
  items_.push_back(std::make_shared<WorkerSnapshot>(std::move(worker)));
}

WorkerSnapshot& WorkerList::Mutable(size_t i) {
  // A list holding the only reference may change the entry in place: every
  // entry is made as a non-const WorkerSnapshot (push_back, here, and
  // ClusterView), so casting the const away is sound. A shared one is
  // copied first.
  if (items_[i].use_count() != 1) items_[i] = std::make_shared<WorkerSnapshot>(*items_[i]);
  return const_cast<WorkerSnapshot&>(*items_[i]);
}

void RouterMarks::Dispatched(int inputs) {
  queries.fetch_add(1, std::memory_order_relaxed);
  examples.fetch_add(std::max(inputs, 0), std::memory_order_relaxed);
}

namespace {

// `count` less `by`, but never below 0, whoever else counts meanwhile.
template <typename T>
void SubtractToZero(std::atomic<T>& count, T by) {
  T now = count.load(std::memory_order_relaxed);
  while (!count.compare_exchange_weak(now, std::max<T>(now - by, 0), std::memory_order_relaxed)) {
  }
}

}  // namespace

void RouterMarks::Answered(int inputs) {
  SubtractToZero(queries, 1);
  SubtractToZero<int64_t>(examples, std::max(inputs, 0));
}

double MeasuredLoadTimes::Of(const std::string& variant) const {
  if (times_ == nullptr) return 0;
  auto it = times_->find(variant);
  return it == times_->end() ? 0 : it->second;
}

void MeasuredLoadTimes::Set(const std::string& variant, double ms) {
  auto copy = times_ == nullptr
                  ? std::make_shared<absl::flat_hash_map<std::string, double>>()
                  : std::make_shared<absl::flat_hash_map<std::string, double>>(*times_);
  (*copy)[variant] = ms;
  times_ = std::move(copy);
}

const std::vector<ClusterSnapshot::Holder>* ClusterSnapshot::HoldersOf(
    const std::string& variant) const {
  return holders.Find(variant);
}

bool LoadsFirst(const WorkerSnapshot& x, const WorkerSnapshot& y) {
  if (x.free_memory_bytes != y.free_memory_bytes) {
    return x.free_memory_bytes > y.free_memory_bytes;
  }
  if (x.IdleCores() != y.IdleCores()) return x.IdleCores() > y.IdleCores();
  return x.id < y.id;
}

HolderIndex HolderIndexOf(const WorkerList& workers) {
  HolderIndex index;
  for (uint32_t i = 0; i < workers.size(); ++i) Reindex(i, nullptr, workers[i], &index);
  return index;
}

void Reindex(uint32_t i, const WorkerSnapshot* before, const WorkerSnapshot& after,
             HolderIndex* index) {
  if (before != nullptr) {
    for (const LoadedVariant& v : before->variants) index->Remove(i, v.variant);
  }
  for (uint32_t slot = 0; slot < after.variants.size(); ++slot) {
    index->Add(i, slot, after.variants[slot].variant);
  }
}

void AppendFirstLoads(const WorkerList& workers, uint32_t i,
                      std::vector<ClusterSnapshot::Holder>* first_loads) {
  const WorkerSnapshot& w = workers[i];
  for (uint32_t slot = 0; slot < w.variants.size(); ++slot) {
    const LoadedVariant& v = w.variants[slot];
    if (!v.serving()) first_loads->push_back({i, slot});
  }
}

void IndexSnapshot(ClusterSnapshot* cluster) {
  cluster->holders = HolderIndexOf(cluster->workers);
  cluster->load_order.clear();
  cluster->first_loads.clear();
  for (uint32_t i = 0; i < cluster->workers.size(); ++i) {
    if (!cluster->workers[i].draining) cluster->load_order.push_back(i);
    AppendFirstLoads(cluster->workers, i, &cluster->first_loads);
  }
  const WorkerList& workers = cluster->workers;
  std::sort(cluster->load_order.begin(), cluster->load_order.end(),
            [&workers](uint32_t a, uint32_t b) { return LoadsFirst(workers[a], workers[b]); });
  cluster->indexed = true;
}

}  // namespace infaas::controller
