#include "backend/tensor.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infaas::backend {

Tensor Tensor::Zeros(std::vector<int64_t> shape) {
  Tensor tensor;
  tensor.data.assign(static_cast<size_t>(NumElementsOf(shape)), 0.0f);
  tensor.shape = std::move(shape);
  return tensor;
}

int64_t Tensor::NumElements() const { return NumElementsOf(shape); }

bool Tensor::IsConsistent() const {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; }) &&
         static_cast<int64_t>(data.size()) == NumElementsOf(shape);
}

int64_t NumElementsOf(absl::Span<const int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= std::max<int64_t>(dim, 0);
  return count;
}

std::string ShapeToString(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

absl::StatusOr<Tensor> StackExamples(absl::Span<const Tensor> examples) {
  if (examples.empty()) return absl::InvalidArgumentError("cannot make a batch of 0 examples");
  const std::vector<int64_t>& example_shape = examples.front().shape;
  Tensor batch;
  batch.shape.reserve(example_shape.size() + 1);
  batch.shape.push_back(static_cast<int64_t>(examples.size()));
  batch.shape.insert(batch.shape.end(), example_shape.begin(), example_shape.end());
  batch.data.reserve(static_cast<size_t>(NumElementsOf(batch.shape)));
  for (size_t i = 0; i < examples.size(); ++i) {
    const Tensor& example = examples[i];
    if (example.shape != example_shape || !example.IsConsistent()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "example ", i, " has shape ", ShapeToString(example.shape), " with ", example.data.size(),
          " values; example 0 has shape ", ShapeToString(example_shape)));
    }
    batch.data.insert(batch.data.end(), example.data.begin(), example.data.end());
  }
  return batch;
}

absl::StatusOr<Tensor> ExampleOf(const Tensor& batch, int64_t index) {
  if (!batch.IsConsistent()) {
    return absl::InvalidArgumentError(absl::StrCat("batch of shape ", ShapeToString(batch.shape),
                                                   " holds ", batch.data.size(), " values"));
  }
  if (batch.shape.empty() || index < 0 || index >= batch.shape[0]) {
    return absl::OutOfRangeError(absl::StrCat("example ", index, " is not in a batch of shape ",
                                              ShapeToString(batch.shape)));
  }
  Tensor example;
  example.shape.assign(batch.shape.begin() + 1, batch.shape.end());
  const int64_t size = NumElementsOf(example.shape);
  const auto begin = batch.data.begin() + index * size;
  example.data.assign(begin, begin + size);
  return example;
}

}  // namespace infaas::backend
