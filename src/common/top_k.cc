#include "common/top_k.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace infaas {

std::vector<double> Softmax(const std::vector<float>& logits) {
  if (logits.empty()) return {};
  const double max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp(logits[i] - max);
    sum += p[i];
  }
  for (double& v : p) v /= sum;
  return p;
}

std::vector<ScoredLabel> TopK(const std::vector<float>& logits,
                              const std::vector<std::string>& labels, int k) {
  const std::vector<double> p = Softmax(logits);
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&p](int a, int b) { return p[a] > p[b]; });
  order.resize(std::min(order.size(), static_cast<size_t>(std::max(0, k))));
  std::vector<ScoredLabel> top;
  for (int i : order) {
    top.push_back(
        {i, i < static_cast<int>(labels.size()) ? labels[i] : absl::StrCat("class ", i), p[i]});
  }
  return top;
}

}  // namespace infaas
