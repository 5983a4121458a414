#include "profiler/framework_agreement.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backend/tensor.h"

namespace infaas::profiler {
namespace {

absl::Status Compare(const InstanceMeasurement& reference, const InstanceMeasurement& other,
                     absl::string_view model) {
  if (reference.output_dims != other.output_dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model \"", model, "\": ", reference.model_file, " and ", other.model_file,
        " give outputs of different shapes (", backend::ShapeToString(reference.output_dims),
        " and ", backend::ShapeToString(other.output_dims),
        ") for the same input; upload files of one model"));
  }
  const std::vector<float>& a = reference.probe_output;
  const std::vector<float>& b = other.probe_output;
  if (a.empty() || a.size() != b.size()) return absl::OkStatus();  // too large to keep
  float scale = 0;
  for (float v : a) scale = std::max(scale, std::abs(v));
  size_t worst = 0;
  float most = 0;
  bool not_a_number = false;
  for (size_t i = 0; i < a.size() && !not_a_number; ++i) {
    const float diff = std::abs(a[i] - b[i]);
    not_a_number = std::isnan(diff);
    if (not_a_number || diff > most) {
      most = diff;
      worst = i;
    }
  }
  if (!not_a_number && most <= 1e-4f + 1e-3f * scale) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "model \"%s\": %s and %s disagree on the same input: output %d is %g and %g (largest "
      "difference %g, allowed %g); they must be exports of one model (a rewritten ONNX file "
      "that disagrees is a bug: please report it with the file)",
      std::string(model), reference.model_file, other.model_file, worst, a[worst], b[worst], most,
      1e-4f + 1e-3f * scale));
}

}  // namespace

absl::Status CheckFrameworksAgree(const std::vector<InstanceMeasurement>& measured,
                                  absl::string_view model) {
  const InstanceMeasurement* reference = nullptr;
  std::vector<v1::Framework> seen;
  for (const InstanceMeasurement& m : measured) {
    if (std::find(seen.begin(), seen.end(), m.framework) != seen.end()) continue;
    seen.push_back(m.framework);
    if (reference == nullptr) {
      reference = &m;
      continue;
    }
    if (absl::Status s = Compare(*reference, m, model); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace infaas::profiler
