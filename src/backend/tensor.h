#pragma once

// Tensor: the dense float32 array that crosses the backend boundary.
//
//   Tensor batch = Tensor::Zeros({8, 1, 28, 28});
//   batch.data[0] = 0.5f;                  // row-major (C order)
//   ASSIGN_OR_RETURN(Tensor logits, model->Run(batch));  // shape [8, 10]
//
// A plain value type: the caller owns it; not thread-safe to mutate from
// several threads at once, safe to read from many.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace infaas::backend {

struct Tensor {
  // Dimensions, outermost first. For a batch the first one is N.
  std::vector<int64_t> shape;
  // shape's product of elements, row-major.
  std::vector<float> data;

  // A tensor of `shape` filled with zeros. Every dimension must be >= 0.
  static Tensor Zeros(std::vector<int64_t> shape);

  // Number of elements `shape` describes (1 for an empty shape).
  int64_t NumElements() const;

  // True when data.size() equals the product of shape.
  bool IsConsistent() const;
};

// Product of `shape`; 1 for an empty shape. Negative dimensions count as 0.
int64_t NumElementsOf(absl::Span<const int64_t> shape);

// "[1,28,28]" for {1, 28, 28}; "[]" for an empty shape.
std::string ShapeToString(absl::Span<const int64_t> shape);

// Stacks equally shaped examples (each WITHOUT a batch dimension) into one
// batch [N, example dims...]. InvalidArgument when `examples` is empty or two
// examples differ in shape, naming the first one that differs.
absl::StatusOr<Tensor> StackExamples(absl::Span<const Tensor> examples);

// Example `index` of a batch [N, ...] as a tensor without the batch
// dimension. OutOfRange when index is not in [0, N).
absl::StatusOr<Tensor> ExampleOf(const Tensor& batch, int64_t index);

}  // namespace infaas::backend
