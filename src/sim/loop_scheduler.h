#pragma once

// LoopScheduler: the control core's Scheduler on the simulator's virtual
// time — a task runs as an event of the loop, `delay` after it was given.
// Tasks still queued when this is destroyed do nothing when their time
// comes.
//
//   LoopScheduler scheduler(&loop);
//   Autoscaler autoscaler({..., .rounds = &scheduler}, ...);
//
// Single-threaded, on the EventLoop.

#include <memory>

#include "common/scheduler.h"
#include "sim/event_loop.h"

namespace infaas::sim {

class LoopScheduler final : public Scheduler {
 public:
  explicit LoopScheduler(EventLoop* loop) : loop_(loop) {}
  ~LoopScheduler() override { *alive_ = false; }

  void After(absl::Duration delay, absl::AnyInvocable<void()> task) override {
    loop_->After(delay, [alive = alive_, task = std::move(task)]() mutable {
      if (*alive) task();
    });
  }

 private:
  EventLoop* const loop_;
  const std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace infaas::sim
