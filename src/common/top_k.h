#pragma once

// Class scores from a classifier's output vector: the softmax of its logits
// and the k best classes with their names.
//
//   for (const ScoredLabel& s : TopK(logits, labels, 5)) {
//     std::cout << s.label << " " << s.score << "\n";   // best first
//   }
//
// Used by the CLI (`infaas query`) and by offline jobs' result files. Pure
// functions; thread-safe.

#include <string>
#include <vector>

namespace infaas {

struct ScoredLabel {
  int index = 0;      // class index in the output vector
  std::string label;  // the variant's label, or "class <index>" without one
  double score = 0;   // softmax probability
};

// Softmax of `logits`, computed stably (max subtracted first).
std::vector<double> Softmax(const std::vector<float>& logits);

// The `k` highest-scoring classes of `logits` (fewer if there are fewer
// classes), best first; ties keep index order.
std::vector<ScoredLabel> TopK(const std::vector<float>& logits,
                              const std::vector<std::string>& labels, int k);

}  // namespace infaas
