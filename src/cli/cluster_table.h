#pragma once

// What `infaas status` prints for a v1::ClusterStatus: a table of workers,
// a table of the variants loaded on them, then the autoscaling policy and its
// last actions.
//
//   WORKER    ADDRESS          ALIVE  CPU %  FREE MB  CORES  VARIANTS
//   worker-1  127.0.0.1:40321  yes      3.5    12034     16         1
//
//   WORKER    VARIANT                     INSTANCES  QUEUE   QPS  P50 MS  P99 MS
//   worker-1  lenet5_torchscript_cpu1_b8          1      0  12.0   0.410   0.902
//
//   autoscaler: infaas
//     10:31:02  set lenet5_torchscript_cpu1_b8 on worker-1 to 2 instance(s) (...)
//
// Pure formatting; thread-safe.

#include <string>

#include "infaas/v1/api.pb.h"

namespace infaas::cli {

// Both tables, or a line saying no worker is registered; the variants table
// is replaced by "no variants loaded" when none is. Then "autoscaler: NAME"
// (or "off") and its last eight actions.
std::string FormatClusterStatus(const v1::ClusterStatus& status);

}  // namespace infaas::cli
