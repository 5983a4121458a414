#include "plain_libtorch.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include "absl/strings/str_cat.h"

namespace infaas::bench {

struct PlainTorchModule::State {
  torch::jit::Module module;
};

PlainTorchModule::PlainTorchModule(std::unique_ptr<State> state) : state_(std::move(state)) {}

PlainTorchModule::~PlainTorchModule() = default;

absl::StatusOr<std::unique_ptr<PlainTorchModule>> PlainTorchModule::Load(
    const std::filesystem::path& file, int threads) {
  try {
    at::set_num_threads(threads);
    torch::jit::Module module = torch::jit::load(file.string());
    module.eval();
    torch::jit::Module frozen = torch::jit::freeze(module);
    auto state = std::make_unique<State>();
    state->module = torch::jit::optimize_for_inference(frozen);
    std::unique_ptr<PlainTorchModule> loaded(new PlainTorchModule(std::move(state)));
    loaded->threads_ = threads;
    return loaded;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("plain libtorch: ", file.string(), ": ", e.what()));
  }
}

bool PlainTorchModule::Run(const std::vector<int64_t>& shape, std::vector<float>& values) {
  try {
    if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
    c10::InferenceMode inference_mode;
    at::Tensor input = torch::from_blob(values.data(), shape, torch::kFloat32);
    at::Tensor output = state_->module.forward({input}).toTensor();
    return output.numel() > 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace infaas::bench
