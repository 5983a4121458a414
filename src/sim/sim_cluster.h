#pragma once

// SimCluster: the simulated machines around the control core — emulated
// workers that heartbeat into the master's ClusterView and are reached
// through a SimWorkerPort — and the Provisioner that starts them (each up
// `startup` after it was asked for) and stops them. This is the
// environment's model only: what to start, drain or stop is the
// autoscaler's decision, in the same code the master runs.
//
//   SimCluster machines(&loop, &port, {.heartbeat = absl::Milliseconds(500)});
//   machines.ReportTo(&cluster_view);
//   machines.StartFixedWorker();              // not the provisioner's: never removed
//   Autoscaler autoscaler({..., .provisioner = &machines, ...}, ...);
//
// A removed worker stops heartbeating and is detached from the port; calls
// that reached it before still come back, as the real worker finishes its
// calls in flight before it exits. Single-threaded, on the EventLoop.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "autoscaler/provisioner.h"
#include "controller/cluster_view.h"
#include "sim/emulated_worker.h"
#include "sim/event_loop.h"
#include "sim/sim_worker_port.h"

namespace infaas::sim {

class SimCluster final : public autoscaler::Provisioner {
 public:
  struct Options {
    EmulatedWorker::Options worker{};  // its id and seed are set per worker
    absl::Duration heartbeat = absl::Milliseconds(500);
    absl::Duration startup = absl::Seconds(3);
  };

  SimCluster(EventLoop* loop, SimWorkerPort* port, Options options);

  // Where heartbeats go; set before the first worker starts.
  void ReportTo(controller::ClusterView* cluster) { cluster_ = cluster; }

  // Starts a worker now, not the provisioner's (never removed).
  void StartFixedWorker();

  // Provisioner.
  absl::StatusOr<std::string> AddWorker() override;
  absl::Status RemoveWorker(const std::string& worker_id) override;
  std::vector<std::string> Workers() override;
  std::string Describe() const override;

  // Worker-seconds and busy core-seconds so far, over every worker ever up.
  double worker_seconds() const;
  double busy_core_seconds() const;
  int live_workers() const { return static_cast<int>(live_.size()); }
  // Loaded instances now, over the live workers.
  int instances() const;

 private:
  struct Live {
    std::unique_ptr<EmulatedWorker> worker;
    absl::Time up_since;
  };
  std::string NextId();
  void Up(const std::string& id);
  void Beat(const std::string& id);

  EventLoop* const loop_;
  controller::ClusterView* cluster_ = nullptr;
  SimWorkerPort* const port_;
  const Options options_;
  std::map<std::string, Live> live_;
  // The provisioner's: asked for (starting or up) and not removed.
  std::set<std::string> provisioned_;
  // Removed workers stay, so that answers to calls they had can come back.
  std::vector<std::unique_ptr<EmulatedWorker>> retired_;
  double retired_worker_seconds_ = 0;
  double retired_core_seconds_ = 0;
  int next_id_ = 1;
  uint64_t started_ = 0;
};

}  // namespace infaas::sim
