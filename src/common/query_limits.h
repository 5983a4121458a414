#pragma once

// Bounds on one query, shared by every API, the router and the worker (no
// gRPC here: the control core and the simulator include it).

namespace infaas {

// The most inputs one query may carry, whatever its variant's max batch, on
// every API and at the worker: a request's input list or batch dimension is
// checked against it before anything is built from it.
inline constexpr int kMaxInputsPerQuery = 1024;

}  // namespace infaas
