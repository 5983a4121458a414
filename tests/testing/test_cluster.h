#pragma once

// A real single-machine INFaaS for integration tests: zoo models registered
// with `infaas profile` into a fresh store (SQLite file or a real Redis),
// an `infaas-master` on free loopback ports (gRPC, HTTP, metrics) and N
// `infaas-worker`s, all as
// child processes of the test. Logs go to <dir>/logs/.
//
//   ASSIGN_OR_RETURN(auto cluster, TestCluster::Start({.workers = 2}));
//   v1::Infaas::Stub* api = cluster->api();
//
// Not thread-safe (the stub is).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "infaas/v1/api.grpc.pb.h"
#include "store/testing/redis_server.h"
#include "testing/child_process.h"

namespace infaas::testing {

struct TestClusterOptions {
  int workers = 2;
  bool redis = false;  // else SQLite
  std::vector<std::string> zoo_models = {"linear", "lenet5", "vgg_mini"};
  // More infaas-master flags, e.g. {"--http-max-body-bytes", "100000"}.
  std::vector<std::string> master_flags = {};
  // Each worker's --cores; 0 leaves the default (all of the machine's).
  int worker_cores = 0;
  // Each worker's --cpus (e.g. "0"); empty leaves them unpinned.
  std::string worker_cpus = {};
  // As `infaas up` runs it: API keys required (the operator's admin key in
  // dir()/admin.key, which api() sends) and a cluster secret
  // (dir()/cluster.secret) between the master and its workers.
  bool secure = false;
  // TLS on every listener of the master and the workers, with a self-signed
  // certificate made for the test (dir()/tls.crt, also the CA); api() trusts it.
  bool tls = false;
};

class TestCluster {
 public:
  static absl::StatusOr<std::unique_ptr<TestCluster>> Start(const TestClusterOptions& options);
  ~TestCluster();

  v1::Infaas::Stub* api() { return api_.get(); }
  const std::string& master_address() const { return master_address_; }
  // HOST:PORT of the master's HTTP and metrics ports (free ports it picked).
  const std::string& http_address() const { return http_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  // The certificate (and CA) of a `tls` cluster; empty otherwise.
  std::filesystem::path tls_cert() const {
    return options_.tls ? dir_ / "tls.crt" : std::filesystem::path();
  }
  // The operator's admin key; empty unless `secure`.
  const std::string& admin_key() const { return admin_key_; }
  // The master's process id (for its memory in /proc); -1 when stopped.
  pid_t master_pid() const { return master_ != nullptr ? master_->pid() : -1; }
  // The test's folder: logs/, models/ (the repository), the store; removed
  // with the cluster; tests may add files.
  const std::filesystem::path& dir() const { return dir_; }

  // The store the cluster registers into (sqlite:PATH or redis://...).
  const std::string& store_url() const { return store_url_; }

  // The master's GetClusterStatus.
  absl::StatusOr<v1::ClusterStatus> Status();

  // Stops the master (SIGTERM, or SIGKILL when `kill`: no goodbye) and
  // starts a new one on the same port and store; workers find it again
  // through their heartbeats.
  absl::Status RestartMaster(bool kill = false);

  // With `redis`: stops the Redis server, and starts it again on the same
  // port and data (AOF).
  absl::Status StopRedis();
  absl::Status StartRedis();

  // Kills worker `index` with SIGKILL (no goodbye).
  void KillWorker(int index);

  // Starts worker `index` again (after KillWorker), with the same id.
  absl::Status RestartWorker(int index) { return StartWorker(index); }

  // Waits until the master reports `n` live workers.
  absl::Status AwaitLiveWorkers(int n, absl::Duration timeout);

  static std::filesystem::path SourceDir();
  static std::filesystem::path BinaryDir();

 private:
  TestCluster() = default;
  absl::Status RegisterZoo(const std::vector<std::string>& models);
  absl::Status StartMaster();
  absl::Status StartWorker(int index);
  // --tls-cert, --tls-key and --tls-ca when `tls`.
  void AppendTlsFlags(std::vector<std::string>* argv) const;

  std::filesystem::path dir_;
  std::string store_url_;
  int master_port_ = 0;
  std::string master_address_;
  std::string http_address_;
  std::string metrics_address_;
  std::string admin_key_;
  std::unique_ptr<store::testing::RedisServer> redis_;
  std::unique_ptr<ChildProcess> master_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::unique_ptr<v1::Infaas::Stub> api_;
  TestClusterOptions options_;
};

// Reads a file's bytes (test helper).
std::string ReadBytes(const std::filesystem::path& path);

// The zoo's sample images (models/zoo/samples/*.png), sorted.
std::vector<std::filesystem::path> SampleImages();

// The class index a sample's file name names, from models/zoo/labels.txt.
int TrueClassOf(const std::filesystem::path& sample);

}  // namespace infaas::testing
