#pragma once

// The human-readable table of variants that `infaas profile`, `infaas
// catalog`, `infaas register` and `infaas modinfo` print:
//
//   VARIANT                        FRAMEWORK    CPU  BATCH  ACCURACY  B1 MS  BMAX MS  LOAD MS  MEM
//   MB lenet5_torchscript_cpu1_b8     torchscript    1      8    91.03%   0.21
//   0.90     41.2     1.3
//
// Pure formatting; thread-safe.

#include <string>
#include <vector>

#include "infaas/v1/catalogue.pb.h"

namespace infaas::cli {

std::string FormatVariantTable(const std::vector<v1::VariantRecord>& variants);

// As above plus a last column LOADED ON: loaded_on[i] lists the workers
// variants[i] is loaded on ("-" when none). Missing entries count as none.
// With `limit` > 0, only the first `limit` rows, and a last line saying how
// many more there are and how to see them.
std::string FormatVariantTable(const std::vector<v1::VariantRecord>& variants,
                               const std::vector<std::vector<std::string>>& loaded_on,
                               int limit = 0);

// The rows a catalogue listing shows first: variants sorted by architecture,
// then batch-1 latency (fastest first), then name.
void SortForListing(std::vector<v1::VariantRecord>& variants);

}  // namespace infaas::cli
