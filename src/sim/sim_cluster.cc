#include "sim/sim_cluster.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace infaas::sim {

SimCluster::SimCluster(EventLoop* loop, SimWorkerPort* port, Options options)
    : loop_(loop), port_(port), options_(std::move(options)) {}

std::string SimCluster::NextId() { return absl::StrCat("sim-", next_id_++); }

void SimCluster::StartFixedWorker() { Up(NextId()); }

void SimCluster::Up(const std::string& id) {
  EmulatedWorker::Options worker = options_.worker;
  worker.id = id;
  worker.seed = options_.worker.seed * 1000003 + ++started_;
  Live& live = live_[id];
  live.worker = std::make_unique<EmulatedWorker>(loop_, std::move(worker));
  live.up_since = loop_->now();
  port_->Attach(live.worker.get());
  Beat(id);
}

void SimCluster::Beat(const std::string& id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;  // removed: no more beats
  cluster_->OnHeartbeat(it->second.worker->Heartbeat(), loop_->now());
  loop_->After(options_.heartbeat, [this, id] { Beat(id); });
}

absl::StatusOr<std::string> SimCluster::AddWorker() {
  std::string id = NextId();
  provisioned_.insert(id);
  loop_->After(options_.startup, [this, id] {
    if (provisioned_.contains(id)) Up(id);
  });
  return id;
}

absl::Status SimCluster::RemoveWorker(const std::string& worker_id) {
  if (!provisioned_.erase(worker_id)) {
    return absl::NotFoundError(absl::StrCat("worker ", worker_id, " was not started here"));
  }
  auto it = live_.find(worker_id);
  if (it == live_.end()) return absl::OkStatus();  // still starting: it never comes up
  port_->Detach(it->second.worker->address());
  retired_worker_seconds_ += absl::ToDoubleSeconds(loop_->now() - it->second.up_since);
  retired_core_seconds_ += it->second.worker->busy_core_seconds();
  retired_.push_back(std::move(it->second.worker));
  live_.erase(it);
  return absl::OkStatus();
}

std::vector<std::string> SimCluster::Workers() {
  return {provisioned_.begin(), provisioned_.end()};
}

std::string SimCluster::Describe() const {
  return absl::StrCat("simulated (emulated workers, ", options_.worker.cores, " cores each, up ",
                      absl::FormatDuration(options_.startup), " after asked)");
}

double SimCluster::worker_seconds() const {
  double total = retired_worker_seconds_;
  for (const auto& [id, live] : live_) total += absl::ToDoubleSeconds(loop_->now() - live.up_since);
  return total;
}

double SimCluster::busy_core_seconds() const {
  double total = retired_core_seconds_;
  for (const auto& [id, live] : live_) total += live.worker->busy_core_seconds();
  return total;
}

int SimCluster::instances() const {
  int n = 0;
  for (const auto& [id, live] : live_) n += live.worker->instances();
  return n;
}

}  // namespace infaas::sim
