#pragma once

// The contents of an offline job's files: one result per input and the
// summary.
//
//   WriteFileAtomically(out / input.output_name,
//                       ResultFileContents(input.name, variant, values, labels, {}));
//   WriteFileAtomically(out / kSummaryFileName, SummaryFileContents(job));
//
// A result is JSON (v1::OfflineResult: the input's name, the variant and
// its top-k classes with softmax scores):
//   {"input": "bag_0018.png", "variant": "vgg_mini_torchscript_cpu1_b8",
//    "top": [{"label": "Bag", "index": 8, "score": 0.998}, ...]}
// or, for raw output, the output vector's little-endian float32 bytes. The
// summary is the job record (v1::OfflineJob) as JSON, failures included.
//
// Pure functions; thread-safe.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::offline {

struct ResultFormat {
  bool raw = false;  // raw float32 bytes instead of JSON
  int top_k = 5;     // classes in a JSON result
};

std::string ResultFileContents(absl::string_view input_name, absl::string_view variant,
                               const std::vector<float>& values,
                               const std::vector<std::string>& labels, ResultFormat format);

std::string SummaryFileContents(const v1::OfflineJob& job);

}  // namespace infaas::offline
