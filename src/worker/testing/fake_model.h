#pragma once

// Test doubles for the worker's layer above the backends.
//
// FakeModel is a backend::Model whose output row i is input row i plus one
// (same dims), so a test can tell which query got which rows. It records the
// batch size of every Run and can hold its runs until released, so a test
// can queue queries behind a running batch:
//
//   auto model = std::make_unique<FakeModel>(FakeModel::Options{.max_batch_size = 8,
//                                                               .hold_runs = true});
//   FakeModel* fake = model.get();
//   ... enqueue a query; fake->AwaitRunsStarted(1); enqueue more ...
//   fake->ReleaseRuns();   // every run from now on passes at once
//
// FakeLoader returns a ModelLoader that makes FakeModels and counts loads.
// Test-only; thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "backend/backend.h"
#include "infaas/v1/catalogue.pb.h"
#include "worker/loaded_variants.h"

namespace infaas::worker::testing {

class FakeModel final : public backend::Model {
 public:
  struct Options {
    std::string name = "fake_variant";
    int max_batch_size = 8;
    // Dims of one example; raw inputs carry this many float32 values.
    std::vector<int64_t> example_dims = {2};
    // Runs block until ReleaseRuns().
    bool hold_runs = false;
    // Returned by every Run when not OK.
    absl::Status run_error = absl::OkStatus();
  };

  explicit FakeModel(Options options);

  absl::StatusOr<backend::Tensor> Run(const backend::Tensor& batch) override;
  const v1::ModelConfig& config() const override { return config_; }
  const backend::LoadOptions& options() const override { return load_options_; }
  const backend::LoadReport& load_report() const override { return report_; }

  // Lets held runs (and all later ones) proceed. Idempotent.
  void ReleaseRuns();
  // Blocks until at least `n` runs have started.
  void AwaitRunsStarted(int n) const;
  // N of every run so far, in order.
  std::vector<int64_t> batch_sizes() const;
  // Whether each run so far ran on a low-priority thread, in order.
  std::vector<bool> low_priority_runs() const;

 private:
  const Options fake_options_;
  v1::ModelConfig config_;
  backend::LoadOptions load_options_;
  backend::LoadReport report_;
  absl::Notification released_;
  mutable absl::Mutex mu_;
  std::vector<int64_t> batch_sizes_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> low_priority_runs_ ABSL_GUARDED_BY(mu_);
};

// A ModelConfig for a raw-input variant of the given name, as FakeModel and
// FakeLoader expect (input dims [2], max batch 8).
v1::VariantRecord FakeVariantRecord(const std::string& name, int max_batch_size = 8);

// What a FakeLoader did; shared with the test.
struct FakeLoaderState {
  std::atomic<int> loads{0};
  // When set, each load waits for it (after counting itself in `loads`).
  absl::Notification* gate = nullptr;
  // Notified when the first load has started.
  absl::Notification first_load_started;
  // Loads of this variant fail with InvalidArgument.
  std::string failing_variant;
  // Models are made with held runs (FakeModel::Options::hold_runs).
  bool hold_runs = false;

  // The models made so far, in order; owned by their instances.
  std::vector<FakeModel*> models() const;
  void Add(FakeModel* model);

 private:
  mutable absl::Mutex mu_;
  std::vector<FakeModel*> models_ ABSL_GUARDED_BY(mu_);
};

// Makes FakeModels from the config's name, max batch and input dims;
// ignores the folder.
ModelLoader FakeLoader(std::shared_ptr<FakeLoaderState> state);

}  // namespace infaas::worker::testing
