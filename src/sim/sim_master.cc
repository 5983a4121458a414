#include "sim/sim_master.h"

#include <utility>

namespace infaas::sim {

absl::StatusOr<std::unique_ptr<SimMaster>> SimMaster::Create(
    EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue, Options options) {
  return std::unique_ptr<SimMaster>(new SimMaster(loop, std::move(catalogue), std::move(options)));
}

SimMaster::SimMaster(EventLoop* loop, std::shared_ptr<const controller::Catalogue> catalogue,
                     Options options)
    : loop_(loop),
      options_(std::move(options)),
      scheduler_(loop),
      port_(loop, options_.call_overhead),
      // Made before the core (the core holds it as its provisioner), told
      // of the core's cluster view below, before any worker starts.
      machines_(
          std::make_unique<SimCluster>(loop, &port_,
                                       SimCluster::Options{.worker = options_.worker,
                                                           .heartbeat = options_.heartbeat,
                                                           .startup = options_.worker_startup})),
      core_(std::move(catalogue),
            {.workers = &port_,
             .clock = loop->clock(),
             .rounds = &scheduler_,
             .provisioner_calls = &scheduler_,
             .provisioner = options_.max_workers > 0 ? machines_.get() : nullptr},
            {.policy = options_.policy,
             .scaling = options_.scaling,
             .selector = options_.selector,
             .calls_per_instance = options_.calls_per_instance,
             .dead_after = options_.dead_after,
             .autoscaler = {.period = options_.scale_period,
                            .max_workers = options_.max_workers,
                            .drain_timeout = options_.drain_timeout},
             .on_action = [this](const autoscaler::ScalingAction& action) {
               actions_.push_back({loop_->now(), action});
             }}) {
  machines_->ReportTo(&core_.cluster());
}

SimMaster::~SimMaster() {
  // Every call still out ends now, so that the core's destructors, which
  // wait for their calls, return.
  core_.autoscaler().Stop();
  port_.Close();
}

void SimMaster::Start(int workers) {
  for (int i = 0; i < workers; ++i) machines_->StartFixedWorker();
  core_.autoscaler().Start();
}

void SimMaster::Query(const controller::QueryRequirements& requirements,
                      std::function<void(const absl::Status&, const QueryOutcome&)> done) {
  v1::QueryOnlineRequest request;
  request.set_variant(requirements.variant);
  request.set_architecture(requirements.architecture);
  request.set_task(requirements.task);
  request.set_dataset(requirements.dataset);
  request.set_min_accuracy_percent(requirements.min_accuracy_percent);
  request.set_latency_slo_ms(requirements.latency_slo_ms);
  request.mutable_input_dims()->Assign(requirements.input_dims.begin(),
                                       requirements.input_dims.end());
  // The emulated worker computes no tensors: the inputs only count.
  for (int i = 0; i < requirements.batch_size; ++i) request.add_inputs();
  const absl::Time start = loop_->now();
  core_.router().QueryOnline(
      auth::Principal::Operator(), std::move(request), start + options_.client_timeout,
      [this, start, done = std::move(done)](absl::StatusOr<v1::QueryOnlineResponse> result) {
        const absl::Duration latency = loop_->now() - start;
        if (!result.ok()) {
          done(result.status(), {.variant = "", .latency = latency});
          return;
        }
        done(absl::OkStatus(), {.variant = result->variant(), .latency = latency});
      });
}

}  // namespace infaas::sim
