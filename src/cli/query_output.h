#pragma once

// How `infaas query` shows a QueryOnlineResponse.
//
//   kTopK:  samples/ankle_boot_0000.png: Ankle boot 0.998, Sneaker 0.001, Sandal 0.000, ...
//   kRaw:   samples/ankle_boot_0000.png: [-3.1, -5.2, ..., 7.9]
//   kJson:  {"variant":"lenet5_torchscript_cpu1_b8","worker":"worker-1",
//            "predicted_ms":0.41,"measured_ms":0.62,"queue_ms":0.05,"loaded":false,
//            "outputs":[{"input":"samples/ankle_boot_0000.png",
//                        "top":[{"label":"Ankle boot","score":0.998},...],
//                        "values":[-3.1,...]}]}
//
// Scores are the softmax of each output vector (the zoo's models return
// logits). Pure formatting; thread-safe.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/top_k.h"
#include "infaas/v1/api.pb.h"

namespace infaas::cli {

enum class OutputFormat { kTopK, kRaw, kJson };

// Scores come from common/top_k.h.
using ::infaas::ScoredLabel;
using ::infaas::TopK;

// The whole output: one line per input for kTopK and kRaw, one JSON object
// and newline for kJson. `inputs` names the inputs in request order; outputs
// without a name are called "input <i>".
std::string FormatQueryOutput(const v1::QueryOnlineResponse& response,
                              const std::vector<std::string>& inputs, OutputFormat format,
                              int top_k);

// Which variant and worker served and how fast, for stderr:
//   variant lenet5_torchscript_cpu1_b8 on worker-1: 0.62 ms (predicted 0.41 ms,
//   queue 0.05 ms, cold load: no)
std::string FormatQuerySummary(const v1::QueryOnlineResponse& response);

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text);

}  // namespace infaas::cli
