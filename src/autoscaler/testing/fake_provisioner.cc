#include "autoscaler/testing/fake_provisioner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace infaas::autoscaler::testing {

absl::StatusOr<std::string> FakeProvisioner::AddWorker() {
  absl::MutexLock lock(&mu_);
  if (!add_error_.ok()) return add_error_;
  std::string id = absl::StrCat("auto-", added_.size() + 1);
  added_.push_back(id);
  workers_.push_back(id);
  return id;
}

absl::Status FakeProvisioner::RemoveWorker(const std::string& worker_id) {
  absl::MutexLock lock(&mu_);
  removed_.push_back(worker_id);
  if (std::erase(workers_, worker_id) == 0) {
    return absl::NotFoundError(absl::StrCat("worker \"", worker_id, "\" was not provisioned here"));
  }
  return absl::OkStatus();
}

std::vector<std::string> FakeProvisioner::Workers() {
  absl::MutexLock lock(&mu_);
  return workers_;
}

void FakeProvisioner::Adopt(const std::string& worker_id) {
  absl::MutexLock lock(&mu_);
  workers_.push_back(worker_id);
}

void FakeProvisioner::FailAdds(absl::Status error) {
  absl::MutexLock lock(&mu_);
  add_error_ = std::move(error);
}

void FakeProvisioner::AwaitRemovals(int n) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(removed_.size()) >= n;
  };
  mu_.Await(absl::Condition(&enough));
}

std::vector<std::string> FakeProvisioner::added() const {
  absl::MutexLock lock(&mu_);
  return added_;
}

std::vector<std::string> FakeProvisioner::removed() const {
  absl::MutexLock lock(&mu_);
  return removed_;
}

}  // namespace infaas::autoscaler::testing
