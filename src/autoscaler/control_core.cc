#include "autoscaler/control_core.h"

#include <utility>

namespace infaas::autoscaler {

ControlCore::ControlCore(std::shared_ptr<const controller::Catalogue> catalogue, ControlPorts ports,
                         ControlOptions options)
    : catalogue_(std::move(catalogue)),
      cluster_(options.dead_after, absl::Seconds(1), controller::kHeartbeatRefresh),
      demand_(ports.clock),
      loads_(ports.workers, &cluster_, ports.clock),
      autoscaler_(
          Autoscaler::Dependencies{
              .catalogue = &catalogue_,
              .cluster = &cluster_,
              .demand = &demand_,
              .loads = &loads_,
              .provisioner = ports.provisioner,
              .clock = ports.clock,
              .on_action = std::move(options.on_action),
              .pinned = [this](const std::string& variant) { return catalogue_.IsPinned(variant); },
              .rounds = ports.rounds,
              .provisioner_calls = ports.provisioner_calls},
          MakeScalingPolicy(options.policy, options.scaling), options.autoscaler),
      router_(
          controller::QueryRouter::Dependencies{.catalogue = &catalogue_,
                                                .cluster = &cluster_,
                                                .workers = ports.workers,
                                                .loads = &loads_,
                                                .clock = ports.clock,
                                                .load_requests = &autoscaler_,
                                                .observer = &demand_},
          options.selector,
          controller::CallCoalescer::Options{.calls_per_instance = options.calls_per_instance}) {}

}  // namespace infaas::autoscaler
