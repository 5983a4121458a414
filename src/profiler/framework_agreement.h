#pragma once

// Whether the files of one upload compute the same function.
//
// Registration serves every framework file of an upload (lenet5.pt and
// lenet5.onnx) as variants of one model with one accuracy, and the ONNX
// file may have been rewritten for the ONNX backend (backend/onnx_compat.h).
// The profiler runs each instance on the same seeded batch of one
// (InstanceMeasurement::probe_output); here the frameworks' answers are
// compared: equal shapes, and every value within 1e-4 + 1e-3 x the largest
// magnitude (float32 kernels of different engines differ by rounding).
//
// Pure function; thread-safe.

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "profiler/variant_plan.h"

namespace infaas::profiler {

// OK when every framework's first measurement agrees with the first
// framework's (or when only one framework was measured, or a probe was too
// large to keep). InvalidArgument naming both files, the largest difference
// and its position otherwise.
absl::Status CheckFrameworksAgree(const std::vector<InstanceMeasurement>& measured,
                                  absl::string_view model);

}  // namespace infaas::profiler
