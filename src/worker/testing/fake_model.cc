#include "worker/testing/fake_model.h"

#include "absl/strings/str_cat.h"
#include "common/thread_priority.h"

namespace infaas::worker::testing {

FakeModel::FakeModel(Options options) : fake_options_(std::move(options)) {
  config_.set_name(fake_options_.name);
  config_.set_framework(v1::FRAMEWORK_TORCHSCRIPT);
  config_.set_max_batch_size(fake_options_.max_batch_size);
  for (int64_t d : fake_options_.example_dims) config_.mutable_input()->add_dims(d);
  for (int64_t d : fake_options_.example_dims) config_.mutable_output()->add_dims(d);
  load_options_ = {.cpu_threads = 1, .max_batch_size = fake_options_.max_batch_size};
  if (!fake_options_.hold_runs) released_.Notify();
}

absl::StatusOr<backend::Tensor> FakeModel::Run(const backend::Tensor& batch) {
  {
    absl::MutexLock lock(&mu_);
    batch_sizes_.push_back(batch.shape.empty() ? 0 : batch.shape[0]);
    low_priority_runs_.push_back(ThisThreadHasLowPriority());
  }
  released_.WaitForNotification();
  if (!fake_options_.run_error.ok()) return fake_options_.run_error;
  if (batch.shape.empty() || batch.shape[0] > fake_options_.max_batch_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fake model ", fake_options_.name, ": bad batch ", backend::ShapeToString(batch.shape)));
  }
  backend::Tensor out = batch;
  for (float& v : out.data) v += 1.0f;
  return out;
}

void FakeModel::ReleaseRuns() {
  absl::MutexLock lock(&mu_);  // Notify() twice would abort
  if (!released_.HasBeenNotified()) released_.Notify();
}

void FakeModel::AwaitRunsStarted(int n) const {
  absl::MutexLock lock(&mu_);
  auto started = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(batch_sizes_.size()) >= n;
  };
  mu_.Await(absl::Condition(&started));
}

std::vector<int64_t> FakeModel::batch_sizes() const {
  absl::MutexLock lock(&mu_);
  return batch_sizes_;
}

std::vector<bool> FakeModel::low_priority_runs() const {
  absl::MutexLock lock(&mu_);
  return low_priority_runs_;
}

v1::VariantRecord FakeVariantRecord(const std::string& name, int max_batch_size) {
  v1::VariantRecord record;
  record.set_repository_model("fake_model");
  v1::ModelConfig* config = record.mutable_config();
  config->set_name(name);
  config->set_framework(v1::FRAMEWORK_TORCHSCRIPT);
  config->set_max_batch_size(max_batch_size);
  config->mutable_input()->add_dims(2);
  config->mutable_output()->add_dims(2);
  return record;
}

std::vector<FakeModel*> FakeLoaderState::models() const {
  absl::MutexLock lock(&mu_);
  return models_;
}

void FakeLoaderState::Add(FakeModel* model) {
  absl::MutexLock lock(&mu_);
  models_.push_back(model);
}

ModelLoader FakeLoader(std::shared_ptr<FakeLoaderState> state) {
  return [state](const v1::ModelConfig& config, const std::filesystem::path& /*model_dir*/,
                 const backend::LoadOptions& options)
             -> absl::StatusOr<std::unique_ptr<backend::Model>> {
    if (state->loads.fetch_add(1) == 0) state->first_load_started.Notify();
    if (state->gate != nullptr) state->gate->WaitForNotification();
    if (config.name() == state->failing_variant) {
      return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": corrupt file"));
    }
    FakeModel::Options fake{.name = config.name(),
                            .max_batch_size = options.max_batch_size,
                            .hold_runs = state->hold_runs};
    fake.example_dims.assign(config.input().dims().begin(), config.input().dims().end());
    auto model = std::make_unique<FakeModel>(std::move(fake));
    state->Add(model.get());
    return model;
  };
}

}  // namespace infaas::worker::testing
