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
      catalogue_(std::move(catalogue)),
      cluster_(options_.dead_after, absl::Seconds(1), controller::kHeartbeatRefresh),
      demand_(loop->clock()),
      machines_(loop, &cluster_, &port_,
                {.worker = options_.worker,
                 .heartbeat = options_.heartbeat,
                 .startup = options_.worker_startup}),
      loads_(&port_, &cluster_, loop->clock()),
      autoscaler_(
          autoscaler::Autoscaler::Dependencies{
              .catalogue = &catalogue_,
              .cluster = &cluster_,
              .demand = &demand_,
              .loads = &loads_,
              .provisioner = options_.max_workers > 0 ? &machines_ : nullptr,
              .clock = loop->clock(),
              .on_action =
                  [this](const autoscaler::ScalingAction& action) {
                    actions_.push_back({loop_->now(), action});
                  },
              .pinned = [this](const std::string& variant) { return catalogue_.IsPinned(variant); },
              .rounds = &scheduler_,
              .provisioner_calls = &scheduler_},
          autoscaler::MakeScalingPolicy(options_.policy, options_.scaling),
          autoscaler::Autoscaler::Options{.period = options_.scale_period,
                                          .max_workers = options_.max_workers,
                                          .drain_timeout = options_.drain_timeout}),
      router_(
          controller::QueryRouter::Dependencies{.catalogue = &catalogue_,
                                                .cluster = &cluster_,
                                                .workers = &port_,
                                                .loads = &loads_,
                                                .clock = loop->clock(),
                                                .load_requests = &autoscaler_,
                                                .observer = &demand_},
          options_.selector,
          controller::CallCoalescer::Options{.calls_per_instance = options_.calls_per_instance}) {}

SimMaster::~SimMaster() {
  // Every call still out ends now, so that the core's destructors, which
  // wait for their calls, return.
  autoscaler_.Stop();
  port_.Close();
}

void SimMaster::Start(int workers) {
  for (int i = 0; i < workers; ++i) machines_.StartFixedWorker();
  autoscaler_.Start();
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
  router_.QueryOnline(
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
