#pragma once

// FakeProvisioner: a Provisioner that starts and stops nothing, for tests of
// the layers that drive one (the Autoscaler). AddWorker hands out the ids
// "auto-1", "auto-2", ... (or fails while told to); RemoveWorker records the
// id; Workers() lists the ids added or adopted and not removed.
//
//   FakeProvisioner provisioner;
//   provisioner.Adopt("w1");          // a worker the test heartbeats for
//   ...the autoscaler drains w1 and removes it on its helper thread...
//   provisioner.AwaitRemovals(1);
//   EXPECT_THAT(provisioner.removed(), ElementsAre("w1"));
//
// Test-only. Thread-safe.

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "autoscaler/provisioner.h"

namespace infaas::autoscaler::testing {

class FakeProvisioner final : public Provisioner {
 public:
  absl::StatusOr<std::string> AddWorker() override;
  absl::Status RemoveWorker(const std::string& worker_id) override;
  std::vector<std::string> Workers() override;
  std::string Describe() const override { return "fake"; }

  // Counts `worker_id` among the workers it started.
  void Adopt(const std::string& worker_id);
  // AddWorker returns `error` from now on (OK: hands out ids again).
  void FailAdds(absl::Status error);
  // Blocks until RemoveWorker has been called `n` times.
  void AwaitRemovals(int n) const;

  // The ids AddWorker handed out, and those RemoveWorker was called with,
  // in order.
  std::vector<std::string> added() const;
  std::vector<std::string> removed() const;

 private:
  mutable absl::Mutex mu_;
  absl::Status add_error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> added_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> removed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::autoscaler::testing
