#include "backend/torchscript_backend.h"

#include <torch/script.h>

#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backend/internal/model_base.h"
#include "backend/internal/torch_threads.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::backend {
namespace {

using internal::ConciseError;

class TorchScriptModel final : public internal::ModelBase {
 public:
  TorchScriptModel(v1::ModelConfig config, LoadOptions options, torch::jit::Module module)
      : ModelBase(std::move(config), options), module_(std::move(module)) {}

 protected:
  absl::StatusOr<Tensor> RunLocked(const Tensor& batch) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);

 private:
  torch::jit::Module module_ ABSL_GUARDED_BY(run_mu_);
};

absl::StatusOr<Tensor> ToTensor(const c10::IValue& value) {
  if (!value.isTensor()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the model returned a ", value.tagKind(), ", not one tensor"));
  }
  const at::Tensor output = value.toTensor().to(at::kFloat).contiguous();
  Tensor result;
  result.shape = output.sizes().vec();
  const float* values = output.data_ptr<float>();
  result.data.assign(values, values + output.numel());
  return result;
}

absl::StatusOr<Tensor> TorchScriptModel::RunLocked(const Tensor& batch) {
  internal::SetTorchThreadsForThisThread(options().cpu_threads);
  try {
    c10::InferenceMode inference_mode;
    // A copy, so that a graph that writes into its input cannot change the
    // caller's const batch.
    at::Tensor input = at::empty(batch.shape, at::kFloat);
    std::memcpy(input.data_ptr<float>(), batch.data.data(), batch.data.size() * sizeof(float));
    return ToTensor(module_.forward({std::move(input)}));
  } catch (const c10::Error& e) {
    return absl::InternalError(ConciseError(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(ConciseError(e.what()));
  }
}

int64_t WeightBytes(const torch::jit::Module& module) {
  int64_t bytes = 0;
  for (const auto& parameter : module.named_parameters(/*recurse=*/true)) {
    bytes += static_cast<int64_t>(parameter.value.nbytes());
  }
  for (const auto& buffer : module.named_buffers(/*recurse=*/true)) {
    bytes += static_cast<int64_t>(buffer.value.nbytes());
  }
  return bytes;
}

// The output of `module` on `probe`, as a dense float tensor.
at::Tensor ProbeOutput(torch::jit::Module& module, const at::Tensor& probe) {
  c10::InferenceMode inference_mode;
  return module.forward({probe.clone()}).toTensor().to(at::kFloat).to_dense().contiguous();
}

// Whether optimize_for_inference kept the function. libtorch 1.13 computes
// some graphs wrongly when it optimises a frozen module that never ran (a
// convolution with 8 output channels followed by ReLU6 gives unclamped
// values: models/byom/mobilenet_tiny off by 3% of its largest logit). A
// module that ran first optimises correctly but runs 1.5-2x slower (the zoo
// models, in Python), so the optimised module is compared with a second
// frozen copy on a probe batch instead, and that copy is served when they
// disagree.
bool SameOutputs(const at::Tensor& frozen, const at::Tensor& optimised) {
  if (frozen.sizes() != optimised.sizes()) return false;
  const double scale = frozen.abs().max().item<double>();
  return (frozen - optimised).abs().max().item<double>() <= 1e-4 + 1e-3 * scale;
}

// jit::load + eval + freeze + optimize_for_inference (kept only when it
// computes what the frozen module computes), with libtorch's exceptions
// turned into a status naming the variant and the file.
absl::StatusOr<torch::jit::Module> ReadAndOptimise(const v1::ModelConfig& config,
                                                   const std::filesystem::path& file,
                                                   int64_t* weight_bytes) {
  const char* step = "read";
  try {
    torch::jit::Module module = torch::jit::load(file.string(), torch::kCPU);
    module.eval();
    *weight_bytes = WeightBytes(module);
    step = "freeze";
    torch::jit::Module frozen = torch::jit::freeze(module);
    step = "optimise";
    // Optimises `frozen` in place (it is already frozen) and returns it.
    torch::jit::Module optimised = torch::jit::optimize_for_inference(frozen);
    torch::jit::Module reference = torch::jit::freeze(module);
    const at::Tensor probe =
        at::randn(internal::WarmUpShape(config, 1), at::TensorOptions().dtype(at::kFloat));
    at::Tensor expected;
    try {
      expected = ProbeOutput(reference, probe);
    } catch (const std::exception&) {
      // A config the model rejects: the warm-up reports it in its words.
      return optimised;
    }
    bool same = false;
    try {
      same = SameOutputs(expected, ProbeOutput(optimised, probe));
    } catch (const std::exception&) {
      same = false;  // the frozen module ran this probe: serve it
    }
    if (same) return optimised;
    LogWarning("TorchScript optimisation changed the outputs; serving the frozen module",
               {{"variant", config.name()}, {"file", file.string()}});
    return reference;
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": cannot ", step,
                                                   " the TorchScript file ", file.string(), ": ",
                                                   ConciseError(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": cannot ", step,
                                                   " the TorchScript file ", file.string(), ": ",
                                                   ConciseError(e.what())));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TorchScriptBackend>> TorchScriptBackend::Create() {
  return std::unique_ptr<TorchScriptBackend>(new TorchScriptBackend());
}

absl::StatusOr<std::unique_ptr<Model>> TorchScriptBackend::Load(
    const v1::ModelConfig& config, const std::filesystem::path& model_dir,
    const LoadOptions& options) {
  RETURN_IF_ERROR(internal::CheckLoadable(config, model_dir, {v1::FRAMEWORK_TORCHSCRIPT}, name()));
  ASSIGN_OR_RETURN(const LoadOptions resolved, internal::ResolveLoadOptions(config, options));
  const internal::LoadMeter meter;
  // Optimise and warm up with the instance's count, so nothing prepared at
  // load time is sized for another count.
  internal::SetTorchThreadsForThisThread(resolved.cpu_threads);
  int64_t weight_bytes = 0;
  ASSIGN_OR_RETURN(torch::jit::Module module,
                   ReadAndOptimise(config, model_dir / config.model_file(), &weight_bytes));
  auto model = std::make_unique<TorchScriptModel>(config, resolved, std::move(module));
  RETURN_IF_ERROR(model->WarmUp());
  model->set_load_report(meter.Finish(weight_bytes));
  internal::LogVariantLoaded(*model, name());
  return model;
}

}  // namespace infaas::backend
