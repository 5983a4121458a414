#pragma once

// Catalogues of any size for scale runs: `architectures` made-up
// architectures of one task and dataset, each with the variants the
// profiler would plan for a model with an ONNX and a TorchScript file on a
// two-core machine — {onnx, torchscript} x {1, 2 threads} x {batch 1, 8} —
// and profiles drawn to look like the zoo's: a batch-1 median log-uniform
// in [min_b1_ms, max_b1_ms] (default [0.1, 30] ms), batches that amortise 20 to 70% of the
// per-query cost, 2 threads 1.6x faster, TorchScript 1.3x slower than ONNX, p99 1.3x the median, a
// load of 50 ms + 20 x the batch-1 median, memory 8 MiB + 4 MiB per ms of batch-1 median, and one
// accuracy per architecture in [70, 95]%.
//
//   auto catalogue = GenerateCatalogue({.architectures = 200, .seed = 1});
//
// Architecture names are "gen000", "gen001", ...; variants
// "gen000_onnx_cpu2_b8". Pure (the seed decides everything); thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "controller/selector.h"

namespace infaas::sim {

struct GeneratedCatalogueOptions {
  int architectures = 20;
  uint64_t seed = 1;
  std::string task = "classification";
  std::string dataset = "synthetic";
  double min_b1_ms = 0.1;
  double max_b1_ms = 30;
};

std::shared_ptr<const controller::Catalogue> GenerateCatalogue(
    const GeneratedCatalogueOptions& options);

// "gen007" for index 7.
std::string GeneratedArchitecture(int index);

}  // namespace infaas::sim
