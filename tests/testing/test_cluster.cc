#include "testing/test_cluster.h"

#include <grpcpp/create_channel.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "backend/testing/zoo.h"
#include "common/cluster_secret.h"
#include "common/secret_file.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "profiler/validation_set.h"
#include "testing/test_certificate.h"

namespace infaas::testing {
namespace fs = std::filesystem;

fs::path TestCluster::SourceDir() { return backend::testing::SourceDir(); }

fs::path TestCluster::BinaryDir() {
  const char* dir = std::getenv("INFAAS_BINARY_DIR");
  return dir != nullptr ? fs::path(dir) : SourceDir() / "build";
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> SampleImages() {
  std::vector<fs::path> samples;
  for (const auto& e : fs::directory_iterator(TestCluster::SourceDir() / "models/zoo/samples")) {
    if (e.path().extension() == ".png") samples.push_back(e.path());
  }
  std::sort(samples.begin(), samples.end());
  return samples;
}

int TrueClassOf(const fs::path& sample) {
  static const std::vector<std::string> labels =
      *profiler::ReadLabelFile((TestCluster::SourceDir() / "models/zoo/labels.txt").string());
  return profiler::LabelFromFileName(sample.filename().string(), labels);
}

absl::StatusOr<std::unique_ptr<TestCluster>> TestCluster::Start(const TestClusterOptions& options) {
  std::unique_ptr<TestCluster> c(new TestCluster());
  std::string templ = (fs::temp_directory_path() / "infaas-cluster-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  c->dir_ = templ;
  c->options_ = options;
  fs::create_directories(c->dir_ / "models");
  fs::create_directories(c->dir_ / "logs");
  if (options.redis) {
    ASSIGN_OR_RETURN(c->redis_, store::testing::RedisServer::Start());
    c->store_url_ = absl::StrCat("redis://127.0.0.1:", c->redis_->port());
  } else {
    c->store_url_ = absl::StrCat("sqlite:", (c->dir_ / "infaas.db").string());
  }
  RETURN_IF_ERROR(c->RegisterZoo(options.zoo_models));
  if (options.tls) {
    RETURN_IF_ERROR(WriteSelfSignedCertificate(c->dir_ / "tls.crt", c->dir_ / "tls.key"));
  }
  ASSIGN_OR_RETURN(c->master_port_, store::testing::PickFreePort());
  c->master_address_ = absl::StrCat("127.0.0.1:", c->master_port_);
  RETURN_IF_ERROR(c->StartMaster());
  if (options.secure) {
    ASSIGN_OR_RETURN(c->admin_key_, ReadSecretFile(c->dir_ / "admin.key"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   ChannelCredentialsFor(c->tls_cert()));
  c->api_ = v1::Infaas::NewStub(CreateChannelWithMetadata(
      c->master_address_, grpc::ChannelArguments(),
      {{"authorization", c->admin_key_.empty() ? "" : "Bearer " + c->admin_key_}}, credentials));
  for (int i = 0; i < options.workers; ++i) RETURN_IF_ERROR(c->StartWorker(i));
  RETURN_IF_ERROR(c->AwaitLiveWorkers(options.workers, absl::Seconds(60)));
  return c;
}

TestCluster::~TestCluster() {
  workers_.clear();
  master_.reset();
  std::error_code ec;
  if (std::getenv("INFAAS_KEEP_TEST_DIRS") == nullptr) fs::remove_all(dir_, ec);
}

absl::Status TestCluster::RegisterZoo(const std::vector<std::string>& models) {
  for (const std::string& model : models) {
    // The real CLI, quick profiles, one thread count: keeps the suite short.
    const std::string command = absl::StrCat(
        (BinaryDir() / "bin/infaas").string(), " profile ",
        (SourceDir() / "models/zoo" / model / "config.pbtxt").string(), " --quick --cores 1",
        " --validation ", (SourceDir() / "models/zoo/validation").string(), " --store ", store_url_,
        " --repo ", (dir_ / "models").string(), " >> ", (dir_ / "logs/register.log").string(),
        " 2>&1");
    const int rc = std::system(command.c_str());
    if (rc != 0) {
      return absl::InternalError(absl::StrCat("registering ", model, " failed (", rc, "); see ",
                                              (dir_ / "logs/register.log").string()));
    }
  }
  return absl::OkStatus();
}

void TestCluster::AppendTlsFlags(std::vector<std::string>* argv) const {
  if (!options_.tls) return;
  argv->insert(argv->end(), {"--tls-cert", tls_cert().string(), "--tls-key",
                             (dir_ / "tls.key").string(), "--tls-ca", tls_cert().string()});
}

absl::Status TestCluster::StartMaster() {
  // HTTP and metrics on free ports: tests and clusters run side by side.
  std::vector<std::string> argv = {(BinaryDir() / "bin/infaas-master").string(),
                                   "--listen",
                                   master_address_,
                                   "--store",
                                   store_url_,
                                   "--repo",
                                   (dir_ / "models").string(),
                                   "--heartbeat-ms",
                                   "200",
                                   "--dead-after-ms",
                                   "1000",
                                   "--log-dir",
                                   (dir_ / "logs").string(),
                                   "--http-port",
                                   "0",
                                   "--metrics-port",
                                   "0"};
  if (options_.secure) {
    argv.insert(argv.end(),
                {"--require-api-keys", "--admin-key-file", (dir_ / "admin.key").string(),
                 "--cluster-secret-file", (dir_ / "cluster.secret").string()});
  }
  AppendTlsFlags(&argv);
  // Clients name paths under the cluster's folder and the source tree,
  // unless the test sets its own roots.
  const auto sets = [this](absl::string_view flag) {
    return std::find(options_.master_flags.begin(), options_.master_flags.end(), flag) !=
           options_.master_flags.end();
  };
  if (!sets("--job-root")) {
    argv.insert(argv.end(), {"--job-root", dir_.string(), "--job-root", SourceDir().string()});
  }
  if (!sets("--model-source-root")) {
    argv.insert(argv.end(), {"--model-source-root", dir_.string(), "--model-source-root",
                             SourceDir().string()});
  }
  argv.insert(argv.end(), options_.master_flags.begin(), options_.master_flags.end());
  ASSIGN_OR_RETURN(master_, ChildProcess::Start(argv, dir_ / "logs/master.log"));
  for (auto [prefix, address] :
       {std::pair<std::string, std::string*>("infaas-master listening on ", nullptr),
        std::pair<std::string, std::string*>("infaas-master http listening on ", &http_address_),
        std::pair<std::string, std::string*>("infaas-master metrics listening on ",
                                             &metrics_address_)}) {
    ASSIGN_OR_RETURN(std::string line, master_->ReadLine(absl::Seconds(30)));
    if (!absl::StartsWith(line, prefix)) {
      return absl::InternalError(
          absl::StrCat("expected \"", prefix, "...\" from the master, got: ", line));
    }
    if (address != nullptr) *address = line.substr(prefix.size());
  }
  return absl::OkStatus();
}

absl::Status TestCluster::StartWorker(int index) {
  const std::string id = absl::StrCat("worker-", index + 1);
  std::vector<std::string> args = {(BinaryDir() / "bin/infaas-worker").string(),
                                   "--master",
                                   master_address_,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--id",
                                   id,
                                   "--repo",
                                   (dir_ / "models").string(),
                                   "--heartbeat-ms",
                                   "200"};
  if (options_.worker_cores > 0) {
    args.insert(args.end(), {"--cores", absl::StrCat(options_.worker_cores)});
  }
  if (!options_.worker_cpus.empty()) args.insert(args.end(), {"--cpus", options_.worker_cpus});
  if (options_.secure) {
    args.insert(args.end(), {"--cluster-secret-file", (dir_ / "cluster.secret").string()});
  }
  AppendTlsFlags(&args);
  ASSIGN_OR_RETURN(auto worker, ChildProcess::Start(args, dir_ / "logs" / (id + ".log")));
  ASSIGN_OR_RETURN(std::string line, worker->ReadLine(absl::Seconds(30)));
  if (!absl::StartsWith(line, absl::StrCat("infaas-worker ", id, " listening on "))) {
    return absl::InternalError(absl::StrCat("unexpected worker output: ", line));
  }
  if (workers_.size() <= static_cast<size_t>(index)) workers_.resize(index + 1);
  workers_[index] = std::move(worker);
  return absl::OkStatus();
}

absl::StatusOr<v1::ClusterStatus> TestCluster::Status() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::ClusterStatus status;
  const grpc::Status s = api_->GetClusterStatus(&context, v1::GetClusterStatusRequest(), &status);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("GetClusterStatus: ", s.error_message()));
  }
  return status;
}

absl::Status TestCluster::AwaitLiveWorkers(int n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int live = -1;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::ClusterStatus status;
    if (api_->GetClusterStatus(&context, v1::GetClusterStatusRequest(), &status).ok()) {
      live = status.workers_size();
      if (live == n) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("expected ", n, " live workers, the master reports ", live));
}

absl::Status TestCluster::RestartMaster(bool kill) {
  master_->Stop(kill ? SIGKILL : SIGTERM);
  master_.reset();
  return StartMaster();
}

void TestCluster::KillWorker(int index) { workers_[index]->Stop(SIGKILL); }

absl::Status TestCluster::StopRedis() {
  if (redis_ == nullptr) return absl::FailedPreconditionError("this cluster has no Redis");
  return redis_->Stop();
}

absl::Status TestCluster::StartRedis() {
  if (redis_ == nullptr) return absl::FailedPreconditionError("this cluster has no Redis");
  return redis_->Restart();
}

}  // namespace infaas::testing
