#include "api/bounded_messages.h"

namespace infaas::api {
namespace {

constexpr int64_t kMaxDims = 16;
constexpr int64_t kMaxTensors = 64;
constexpr int64_t kMaxParameters = 64;
constexpr int64_t kMaxIntegerElements = int64_t{1} << 20;

std::vector<WireFieldLimit> InferTensorLimits() {
  // InferTensorContents: int_contents 2, int64 3, uint 4, uint64 5 (varints
  // that grow up to 8x once parsed), bytes_contents 8.
  std::vector<WireFieldLimit> contents;
  for (const auto& [number, name] : {std::pair<int, const char*>{2, "int_contents"},
                                     {3, "int64_contents"},
                                     {4, "uint_contents"},
                                     {5, "uint64_contents"}}) {
    contents.push_back({.number = number,
                        .name = name,
                        .kind = WireKind::kPacked,
                        .max_count = kMaxIntegerElements});
  }
  contents.push_back({.number = 8,
                      .name = "bytes_contents",
                      .kind = WireKind::kBytes,
                      .max_count = kMaxInputsPerQuery});
  return {
      {.number = 3, .name = "shape", .kind = WireKind::kPacked, .max_count = kMaxDims},
      {.number = 4, .name = "parameters", .kind = WireKind::kMessage, .max_count = kMaxParameters},
      {.number = 5,
       .name = "contents",
       .kind = WireKind::kMessage,
       .max_count = 1,
       .nested = std::move(contents)}};
}

}  // namespace

const std::vector<WireFieldLimit>& QueryOnlineLimits() {
  static const auto* const limits = new std::vector<WireFieldLimit>{
      {.number = 1, .name = "inputs", .kind = WireKind::kMessage, .max_count = kMaxInputsPerQuery},
      {.number = 8, .name = "input_dims", .kind = WireKind::kPacked, .max_count = kMaxDims}};
  return *limits;
}

const std::vector<WireFieldLimit>& ModelInferLimits() {
  static const auto* const limits = new std::vector<WireFieldLimit>{
      {.number = 4, .name = "parameters", .kind = WireKind::kMessage, .max_count = kMaxParameters},
      {.number = 5,
       .name = "inputs",
       .kind = WireKind::kMessage,
       .max_count = kMaxTensors,
       .nested = InferTensorLimits()},
      {.number = 6,
       .name = "outputs",
       .kind = WireKind::kMessage,
       .max_count = kMaxTensors,
       .nested = {{.number = 2,
                   .name = "parameters",
                   .kind = WireKind::kMessage,
                   .max_count = kMaxParameters}}},
      {.number = 7,
       .name = "raw_input_contents",
       .kind = WireKind::kBytes,
       .max_count = kMaxTensors}};
  return *limits;
}

}  // namespace infaas::api
