#pragma once

// Open-loop load against a master: each query leaves at its arrival time
// whether or not earlier ones have been answered, so a slow server meets
// growing concurrency, as it would from real users (a closed loop would slow
// the client down with it and hide the overload).
//
//   LoadRecorder recorder(absl::Seconds(5), /*slo_ms=*/20);
//   RETURN_IF_ERROR(RunOpenLoopLoad(stub, request,
//                                   {.arrivals = PoissonArrivals(schedule, 1)}, &recorder));
//
// Calls are gRPC callback-API calls: no thread waits per query. Blocks until
// the last query is answered or `drain` has passed after the last send.

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infaas/v1/api.grpc.pb.h"
#include "loadgen/load_report.h"

namespace infaas::loadgen {

struct LoadOptions {
  // Send times, offsets from the start, sorted.
  std::vector<absl::Duration> arrivals{};
  // Each query's deadline.
  absl::Duration timeout = absl::Seconds(10);
  // How long to wait for answers after the last send (at least `timeout`,
  // so that no answer arrives after the call returns).
  absl::Duration drain = absl::Seconds(15);
  // Called about once a second from the sending thread with the time since
  // the start (for a progress line); may be empty.
  std::function<void(absl::Duration elapsed)> on_second{};
  // Called with each answer (on a gRPC callback thread, concurrently): its
  // status, the response (empty on errors) and the latency the client saw;
  // may be empty.
  std::function<void(const absl::Status& status, const v1::QueryOnlineResponse& response,
                     absl::Duration latency)>
      on_answer{};
};

// InvalidArgument without arrivals; otherwise OK once done (errors of
// individual queries are in `recorder`).
absl::Status RunOpenLoopLoad(v1::Infaas::Stub* stub, const v1::QueryOnlineRequest& request,
                             const LoadOptions& options, LoadRecorder* recorder);

}  // namespace infaas::loadgen
