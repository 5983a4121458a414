#pragma once

// LoadRequests: where the query path sends the loads the selector
// recommends ("load this cheaper or less loaded variant there, off the
// request path"). The master's autoscaler implements it, so that its
// scaling policy alone decides what is loaded: a recommendation is an input
// the policy weighs, not a load.
//
//   QueryRouter router({..., .load_requests = &autoscaler});
//
// Implementations are thread-safe and quick: RequestLoad is called on
// request threads and must not block on I/O.

#include "controller/selector.h"

namespace infaas::controller {

class LoadRequests {
 public:
  virtual ~LoadRequests() = default;
  virtual void RequestLoad(const LoadRecommendation& load) = 0;
};

}  // namespace infaas::controller
