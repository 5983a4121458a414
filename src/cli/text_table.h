#pragma once

// Plain-text tables for terminal output:
//
//   FormatTextTable({{"WORKER", "CORES"}, {"worker-1", "16"}}, "LR")
//   -> "WORKER    CORES\n"
//      "worker-1     16\n"
//
// Pure formatting; thread-safe.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace infaas::cli {

// One line per row, columns separated by two spaces. Column c is
// left-aligned if alignment[c] is 'L' (names) and right-aligned otherwise
// (figures, and columns beyond `alignment`); trailing spaces are dropped.
// Rows may have fewer cells than others.
std::string FormatTextTable(const std::vector<std::vector<std::string>>& rows,
                            absl::string_view alignment);

}  // namespace infaas::cli
