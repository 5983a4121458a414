// KubernetesProvisioner against a fake API server: an httplib HTTPS server
// holding pods, the worker Deployment and the fence ConfigMap in memory,
// with a certificate the test makes and the provisioner trusts as its CA.
// It checks every request's bearer token and answers as the Kubernetes API
// reference says the real one does:
//   apps/v1 Deployment (read):
//   kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/ core/v1 Pod
//   (create, read, list with labelSelector, delete with DeleteOptions):
//                                kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
//   core/v1 ConfigMap (read, create, replace with resourceVersion):
//                                kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/
//   errors as a v1 Status (kind, status "Failure", message, reason, code):
//                                kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
//   409 Conflict on a stale resourceVersion: kubernetes.io/docs/reference/using-api/api-concepts/
// Events are ordered by the fake's hooks, which run inside a request, never
// by sleeping.

#include "autoscaler/kubernetes_provisioner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "autoscaler/internal/kubernetes_pods.h"
#include "common/files.h"
#include "testing/test_certificate.h"

namespace infaas::autoscaler {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kNamespace[] = "infaas";

// The worker Deployment as `kubectl get deployment -o json` shows it (the
// API server adds creationTimestamp: null to the template's metadata).
json WorkerDeployment() {
  return json::parse(R"json({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "infaas-worker", "namespace": "infaas", "uid": "d-1",
                 "resourceVersion": "7"},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"infaas.io/pool": "static"}},
      "template": {
        "metadata": {"creationTimestamp": null,
                     "labels": {"app.kubernetes.io/name": "infaas-worker",
                                "infaas.io/pool": "static"}},
        "spec": {
          "terminationGracePeriodSeconds": 30,
          "containers": [{
            "name": "worker", "image": "infaas:dev",
            "args": ["--master=infaas-master-workers:50052", "--id=$(INFAAS_WORKER_ID)",
                     "--cores=2"],
            "env": [{"name": "INFAAS_WORKER_ID",
                     "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
            "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "2"}}
          }]
        }
      }
    },
    "status": {"replicas": 2}
  })json");
}

json StatusObject(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

// The fake API server. Thread-safe (httplib serves on its own threads).
class FakeApiServer {
 public:
  FakeApiServer(const std::filesystem::path& cert, const std::filesystem::path& key)
      : server_(cert.c_str(), key.c_str()) {
    server_.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return Admit(req, res); });
    const std::string ns = R"(/api/v1/namespaces/([a-z0-9-]+))";
    server_.Get(R"(/apis/apps/v1/namespaces/([a-z0-9-]+)/deployments/([a-z0-9-]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  absl::MutexLock lock(&mu_);
                  if (deployment_.is_null() || req.matches[2] != "infaas-worker") {
                    return Reply(res, 404,
                                 StatusObject(404, "NotFound", "deployments.apps not found"));
                  }
                  Reply(res, 200, deployment_);
                });
    server_.Get(ns + "/pods", [this](const httplib::Request& req, httplib::Response& res) {
      ListPods(req, res);
    });
    server_.Post(ns + "/pods", [this](const httplib::Request& req, httplib::Response& res) {
      CreatePod(req, res);
    });
    server_.Get(ns + "/pods/([a-z0-9-]+)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  absl::MutexLock lock(&mu_);
                  auto it = pods_.find(req.matches[2]);
                  if (it == pods_.end()) {
                    return Reply(res, 404, StatusObject(404, "NotFound", "pods not found"));
                  }
                  Reply(res, 200, it->second);
                });
    server_.Delete(
        ns + "/pods/([a-z0-9-]+)",
        [this](const httplib::Request& req, httplib::Response& res) { DeletePod(req, res); });
    server_.Get(
        ns + "/configmaps/([a-z0-9-]+)",
        [this](const httplib::Request& req, httplib::Response& res) { GetFence(req, res); });
    server_.Post(ns + "/configmaps", [this](const httplib::Request& req, httplib::Response& res) {
      WriteFence(req, res, /*create=*/true);
    });
    server_.Put(ns + "/configmaps/([a-z0-9-]+)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  WriteFence(req, res, /*create=*/false);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing before the accept loop runs, so wait
    // for it: a request made now waits in the backlog until it does.
    httplib::SSLClient client("127.0.0.1", port_);
    client.enable_server_certificate_verification(false);
    httplib::Result ready = client.Get("/readyz");
    EXPECT_TRUE(ready && ready->status == 200);
  }

  ~FakeApiServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }

  void AcceptToken(const std::string& token) {
    absl::MutexLock lock(&mu_);
    accepted_token_ = token;
  }
  // Answers `status` to every request whose "METHOD resource" (e.g.
  // "POST pods") is `call`.
  void FailCalls(const std::string& call, int status) {
    absl::MutexLock lock(&mu_);
    failing_[call] = status;
  }
  // Pads every pod list with this many bytes.
  void PadPodLists(size_t bytes) {
    absl::MutexLock lock(&mu_);
    pad_ = bytes;
  }
  void SetDeployment(json deployment) {
    absl::MutexLock lock(&mu_);
    deployment_ = std::move(deployment);
  }
  // Stores the fence ConfigMap with this token, as another master would.
  void WriteFenceToken(int64_t token, const std::string& holder) {
    absl::MutexLock lock(&mu_);
    WriteFenceLocked(token, holder);
  }
  // Runs once, inside the next read of the fence ConfigMap, after the
  // answer is made: a write by another master between our read and write.
  void OnNextFenceRead(std::function<void()> hook) {
    absl::MutexLock lock(&mu_);
    on_fence_read_ = std::move(hook);
  }
  // A pod made by someone else (the Deployment, a person).
  void AddPod(json pod) {
    absl::MutexLock lock(&mu_);
    const std::string name = pod["metadata"]["name"];
    pod["metadata"]["uid"] = absl::StrCat("uid-", ++next_uid_);
    pods_[name] = std::move(pod);
  }

  std::map<std::string, json> pods() const {
    absl::MutexLock lock(&mu_);
    return pods_;
  }
  std::optional<json> fence() const {
    absl::MutexLock lock(&mu_);
    return fence_;
  }
  std::vector<std::string> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<json> delete_options() const {
    absl::MutexLock lock(&mu_);
    return delete_options_;
  }

 private:
  using HandlerResponse = httplib::Server::HandlerResponse;

  static void Reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  static std::string ResourceOf(const std::string& path) {
    for (const char* r : {"deployments", "configmaps", "pods"}) {
      if (absl::StrContains(path, absl::StrCat("/", r))) return r;
    }
    return "?";
  }

  HandlerResponse Admit(const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/readyz") {  // the test's own, unrecorded
      res.status = 200;
      return HandlerResponse::Handled;
    }
    absl::MutexLock lock(&mu_);
    const std::string call = absl::StrCat(req.method, " ", ResourceOf(req.path));
    calls_.push_back(call);
    if (req.get_header_value("Authorization") != absl::StrCat("Bearer ", accepted_token_)) {
      Reply(res, 401, StatusObject(401, "Unauthorized", "Unauthorized"));
      return HandlerResponse::Handled;
    }
    if (auto it = failing_.find(call); it != failing_.end()) {
      const std::string message =
          it->second == 403 ? absl::StrCat(
                                  "pods is forbidden: User \"system:serviceaccount:infaas:"
                                  "infaas-master\" cannot create resource \"pods\" in API "
                                  "group \"\" in the namespace \"infaas\"")
                            : "etcdserver: request timed out";
      Reply(res, it->second,
            StatusObject(it->second, it->second == 403 ? "Forbidden" : "InternalError", message));
      return HandlerResponse::Handled;
    }
    return HandlerResponse::Unhandled;
  }

  static bool Matches(json pod, const std::string& selector) {
    for (absl::string_view term : absl::StrSplit(selector, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(term, absl::MaxSplits('=', 1));
      const json& labels = pod["metadata"]["labels"];
      if (!labels.contains(kv.first) || labels[kv.first] != kv.second) return false;
    }
    return true;
  }

  void ListPods(const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu_);
    json list = {{"kind", "PodList"},
                 {"apiVersion", "v1"},
                 {"metadata", {{"resourceVersion", absl::StrCat(version_)}}},
                 {"items", json::array()}};
    for (const auto& [name, pod] : pods_) {
      if (Matches(pod, req.get_param_value("labelSelector"))) list["items"].push_back(pod);
    }
    if (pad_ > 0) list["metadata"]["padding"] = std::string(pad_, 'x');
    Reply(res, 200, list);
  }

  void CreatePod(const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu_);
    json pod = json::parse(req.body, nullptr, false);
    if (pod.is_discarded() || pod.value("kind", "") != "Pod" ||
        pod.value("apiVersion", "") != "v1" || !pod["metadata"]["name"].is_string() ||
        !pod["spec"]["containers"].is_array()) {
      return Reply(res, 400, StatusObject(400, "BadRequest", "not a v1 Pod"));
    }
    const std::string name = pod["metadata"]["name"];
    if (pods_.contains(name)) {
      return Reply(
          res, 409,
          StatusObject(409, "AlreadyExists", absl::StrCat("pods \"", name, "\" already exists")));
    }
    pod["metadata"]["uid"] = absl::StrCat("uid-", ++next_uid_);
    pod["metadata"]["resourceVersion"] = absl::StrCat(++version_);
    pod["status"] = {{"phase", "Pending"}};
    pods_[name] = pod;
    Reply(res, 201, pod);
  }

  void DeletePod(const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu_);
    auto it = pods_.find(req.matches[2]);
    if (it == pods_.end()) return Reply(res, 404, StatusObject(404, "NotFound", "pods not found"));
    json options = json::parse(req.body, nullptr, false);
    delete_options_.push_back(options);
    if (options.is_object() && options.contains("preconditions") &&
        options["preconditions"]["uid"] != it->second["metadata"]["uid"]) {
      return Reply(res, 409, StatusObject(409, "Conflict", "Precondition failed: UID"));
    }
    // With a grace period the pod stays, terminating, until the kubelet is done.
    it->second["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:30Z";
    it->second["metadata"]["deletionGracePeriodSeconds"] = options.value("gracePeriodSeconds", 30);
    Reply(res, 200, it->second);
  }

  void WriteFenceLocked(int64_t token, const std::string& holder)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    fence_ = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata",
               {{"name", "infaas-leader-fence"},
                {"namespace", kNamespace},
                {"resourceVersion", absl::StrCat(++version_)}}},
              {"data", {{"fencing-token", absl::StrCat(token)}, {"holder", holder}}}};
  }

  void GetFence(const httplib::Request& req, httplib::Response& res) {
    std::function<void()> hook;
    {
      absl::MutexLock lock(&mu_);
      if (!fence_.has_value() || req.matches[2] != "infaas-leader-fence") {
        Reply(res, 404,
              StatusObject(404, "NotFound", "configmaps \"infaas-leader-fence\" not found"));
      } else {
        Reply(res, 200, *fence_);
      }
      hook = std::exchange(on_fence_read_, nullptr);
    }
    // Before the answer leaves: the client reads the old version.
    if (hook) hook();
  }

  void WriteFence(const httplib::Request& req, httplib::Response& res, bool create) {
    absl::MutexLock lock(&mu_);
    json cm = json::parse(req.body, nullptr, false);
    if (cm.is_discarded() || cm.value("kind", "") != "ConfigMap" ||
        cm["metadata"]["name"] != "infaas-leader-fence") {
      return Reply(res, 400, StatusObject(400, "BadRequest", "not the fence ConfigMap"));
    }
    if (create && fence_.has_value()) {
      return Reply(res, 409, StatusObject(409, "AlreadyExists", "configmaps already exists"));
    }
    if (!create && (!fence_.has_value() || cm["metadata"]["resourceVersion"] !=
                                               (*fence_)["metadata"]["resourceVersion"])) {
      return Reply(res, 409,
                   StatusObject(409, "Conflict",
                                "Operation cannot be fulfilled on configmaps "
                                "\"infaas-leader-fence\": the object has been modified; please "
                                "apply your changes to the latest version and try again"));
    }
    cm["metadata"]["resourceVersion"] = absl::StrCat(++version_);
    fence_ = cm;
    Reply(res, create ? 201 : 200, cm);
  }

  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;

  mutable absl::Mutex mu_;
  std::string accepted_token_ ABSL_GUARDED_BY(mu_) = "token-1";
  std::map<std::string, int> failing_ ABSL_GUARDED_BY(mu_);
  size_t pad_ ABSL_GUARDED_BY(mu_) = 0;
  json deployment_ ABSL_GUARDED_BY(mu_) = WorkerDeployment();
  std::map<std::string, json> pods_ ABSL_GUARDED_BY(mu_);
  std::optional<json> fence_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_fence_read_ ABSL_GUARDED_BY(mu_);
  int64_t version_ ABSL_GUARDED_BY(mu_) = 100;
  int next_uid_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<json> delete_options_ ABSL_GUARDED_BY(mu_);
};

class KubernetesProvisionerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("k8s_provisioner_test_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(
        infaas::testing::WriteSelfSignedCertificate(dir_ / "ca.crt", dir_ / "key.pem").ok());
    ASSERT_TRUE(WriteFileAtomically(dir_ / "token", "token-1\n").ok());
    ASSERT_TRUE(WriteFileAtomically(dir_ / "namespace", kNamespace).ok());
    api_ = std::make_unique<FakeApiServer>(dir_ / "ca.crt", dir_ / "key.pem");
  }

  void TearDown() override {
    api_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Options for the fake, as a pod's service-account folder would give them.
  KubernetesProvisionerOptions Options() {
    return {.api_host = "127.0.0.1",
            .api_port = api_->port(),
            .service_account_dir = dir_,
            .token_file = {},
            .ca_file = {},
            .kubernetes_namespace = {},
            .worker_deployment = "infaas-worker",
            .worker_container = {},
            .pod_prefix = "infaas-worker-auto",
            .managed_by = "infaas-master",
            .fence_config_map = "infaas-leader-fence",
            .fence_holder = "master-a",
            .fencing_token = [this]() -> std::optional<int64_t> {
              absl::MutexLock lock(&token_mu_);
              return token_;
            },
            .max_workers = 3,
            .stop_grace = absl::Seconds(30),
            .connect_timeout = absl::Seconds(5),
            .read_timeout = absl::Seconds(5),
            .max_response_bytes = size_t{4} << 20};
  }

  std::unique_ptr<KubernetesProvisioner> Make(KubernetesProvisionerOptions options) {
    absl::StatusOr<std::unique_ptr<KubernetesProvisioner>> p =
        KubernetesProvisioner::Create(std::move(options));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  void SetToken(std::optional<int64_t> token) {
    absl::MutexLock lock(&token_mu_);
    token_ = token;
  }

  std::filesystem::path dir_;
  std::unique_ptr<FakeApiServer> api_;
  absl::Mutex token_mu_;
  std::optional<int64_t> token_ ABSL_GUARDED_BY(token_mu_) = 5;
};

TEST_F(KubernetesProvisionerTest, AddWorkerCreatesAPodFromTheDeploymentTemplateNamedAsTheId) {
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  absl::StatusOr<std::string> id = provisioner->AddWorker();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(*id, StartsWith("infaas-worker-auto-"));
  EXPECT_EQ(id->size(), std::string("infaas-worker-auto-").size() + 5);

  const std::map<std::string, json> pods = api_->pods();
  ASSERT_EQ(pods.count(*id), 1u);
  const json& pod = pods.at(*id);
  EXPECT_EQ(pod["metadata"]["namespace"], kNamespace);
  // Out of the Deployment's selector, into the provisioner's.
  EXPECT_EQ(pod["metadata"]["labels"], json({{"app.kubernetes.io/name", "infaas-worker"},
                                             {"infaas.io/pool", "autoscaled"},
                                             {"infaas.io/managed-by", "infaas-master"}}));
  EXPECT_EQ(pod["metadata"]["annotations"]["infaas.io/template"], "deployment/infaas-worker");
  EXPECT_FALSE(pod["metadata"].contains("creationTimestamp"));
  const json& container = pod["spec"]["containers"][0];
  EXPECT_EQ(container["args"],
            WorkerDeployment()["spec"]["template"]["spec"]["containers"][0]["args"]);
  EXPECT_EQ(container["resources"]["limits"]["cpu"], "2");
  // The id as a plain value (the template's downward-API entry replaced);
  // other env entries kept.
  EXPECT_EQ(container["env"],
            json::parse(absl::StrCat(R"([{"name": "POD_IP", "valueFrom": {"fieldRef": )",
                                     R"({"fieldPath": "status.podIP"}}},)",
                                     R"({"name": "INFAAS_WORKER_ID", "value": ")", *id, R"("}])")));
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 30);
  // The fence was written first, with our token.
  ASSERT_TRUE(api_->fence().has_value());
  EXPECT_EQ((*api_->fence())["data"]["fencing-token"], "5");
  EXPECT_EQ((*api_->fence())["data"]["holder"], "master-a");
  EXPECT_THAT(api_->calls(), ElementsAre("GET pods", "GET deployments", "GET configmaps",
                                         "POST configmaps", "POST pods"));
}

TEST_F(KubernetesProvisionerTest, WorkersListsItsLivePodsOnly) {
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  absl::StatusOr<std::string> id = provisioner->AddWorker();
  ASSERT_TRUE(id.ok()) << id.status();
  const json ours = {{"infaas.io/pool", "autoscaled"}, {"infaas.io/managed-by", "infaas-master"}};
  api_->AddPod(
      {{"metadata",
        {{"name", "infaas-worker-6d9f-abcde"}, {"labels", {{"infaas.io/pool", "static"}}}}},
       {"status", {{"phase", "Running"}}}});
  api_->AddPod({{"metadata", {{"name", "infaas-worker-auto-faild"}, {"labels", ours}}},
                {"status", {{"phase", "Failed"}}}});
  api_->AddPod({{"metadata",
                 {{"name", "infaas-worker-auto-going"},
                  {"labels", ours},
                  {"deletionTimestamp", "2026-01-01T00:00:00Z"}}},
                {"status", {{"phase", "Running"}}}});
  api_->AddPod(
      {{"metadata",
        {{"name", "infaas-worker-auto-other"},
         {"labels",
          {{"infaas.io/pool", "autoscaled"}, {"infaas.io/managed-by", "another-master"}}}}},
       {"status", {{"phase", "Running"}}}});
  EXPECT_THAT(provisioner->Workers(), ElementsAre(*id));
}

TEST_F(KubernetesProvisionerTest, RemoveWorkerDeletesExactlyThatPodWithAGracePeriod) {
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  absl::StatusOr<std::string> first = provisioner->AddWorker();
  absl::StatusOr<std::string> second = provisioner->AddWorker();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_NE(*first, *second);

  ASSERT_TRUE(provisioner->RemoveWorker(*first).ok());
  ASSERT_THAT(api_->delete_options(), SizeIs(1));
  const json options = api_->delete_options()[0];
  EXPECT_EQ(options["kind"], "DeleteOptions");
  EXPECT_EQ(options["gracePeriodSeconds"], 30);
  const std::map<std::string, json> pods = api_->pods();
  EXPECT_EQ(options["preconditions"]["uid"], pods.at(*first)["metadata"]["uid"]);
  EXPECT_TRUE(pods.at(*first)["metadata"].contains("deletionTimestamp"));
  EXPECT_FALSE(pods.at(*second)["metadata"].contains("deletionTimestamp"));
  EXPECT_THAT(provisioner->Workers(), ElementsAre(*second));
  // Terminating already: nothing more to do.
  EXPECT_TRUE(provisioner->RemoveWorker(*first).ok());
  EXPECT_THAT(api_->delete_options(), SizeIs(1));
}

TEST_F(KubernetesProvisionerTest, RemoveWorkerRefusesPodsItDidNotStart) {
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  api_->AddPod(
      {{"metadata",
        {{"name", "infaas-worker-auto-handm"}, {"labels", {{"infaas.io/pool", "static"}}}}},
       {"status", {{"phase", "Running"}}}});
  EXPECT_EQ(provisioner->RemoveWorker("infaas-worker-auto-handm").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(provisioner->RemoveWorker("infaas-worker-auto-nopod").code(),
            absl::StatusCode::kNotFound);
  const absl::Status other = provisioner->RemoveWorker("worker-1");
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(other.message(), HasSubstr("removes only the pods it started"));
  EXPECT_THAT(api_->delete_options(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, PastMaxWorkersAddWorkerIsResourceExhausted) {
  KubernetesProvisionerOptions options = Options();
  options.max_workers = 2;
  auto provisioner = Make(std::move(options));
  ASSERT_NE(provisioner, nullptr);
  ASSERT_TRUE(provisioner->AddWorker().ok());
  ASSERT_TRUE(provisioner->AddWorker().ok());
  const absl::StatusOr<std::string> third = provisioner->AddWorker();
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("limit of 2"));
  EXPECT_THAT(api_->pods(), SizeIs(2));
}

TEST_F(KubernetesProvisionerTest, ForbiddenIsPermissionDeniedNamingTheMissingVerb) {
  api_->FailCalls("POST pods", 403);
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(id.status().message(), HasSubstr("RBAC verb \"create\" on \"pods\""));
  EXPECT_THAT(id.status().message(), HasSubstr("cannot create resource \"pods\""));
  EXPECT_THAT(api_->pods(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, ServerErrorsAreUnavailable) {
  api_->FailCalls("GET deployments", 500);
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(id.status().message(), HasSubstr("etcdserver: request timed out"));
}

TEST_F(KubernetesProvisionerTest, ANewerTokenInTheFenceRefusesAndCreatesNothing) {
  api_->WriteFenceToken(9, "master-b");
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(id.status().message(), HasSubstr("fencing token 9 (written by master-b)"));
  EXPECT_THAT(id.status().message(), HasSubstr("this master's 5"));
  EXPECT_THAT(api_->pods(), IsEmpty());
  EXPECT_EQ((*api_->fence())["data"]["fencing-token"], "9");
}

TEST_F(KubernetesProvisionerTest, AnOlderTokenInTheFenceIsReplacedByOurs) {
  api_->WriteFenceToken(4, "master-b");
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  ASSERT_TRUE(provisioner->AddWorker().ok());
  EXPECT_EQ((*api_->fence())["data"]["fencing-token"], "5");
  EXPECT_THAT(api_->calls(), ::testing::Contains("PUT configmaps"));
}

TEST_F(KubernetesProvisionerTest, NotTheLeaderIsRefusedBeforeAnyRequest) {
  SetToken(std::nullopt);
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(id.status().message(), HasSubstr("not the leader"));
  EXPECT_EQ(provisioner->RemoveWorker("infaas-worker-auto-abcde").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(api_->calls(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, ANewerLeaderWritingTheFenceMeanwhileRefuses) {
  api_->WriteFenceToken(5, "master-a");
  // Between our read and our write, master-b (token 6) writes: our PUT
  // carries a stale resourceVersion and gets 409; the second read shows 6.
  api_->OnNextFenceRead([this] { api_->WriteFenceToken(6, "master-b"); });
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(id.status().message(), HasSubstr("fencing token 6 (written by master-b)"));
  EXPECT_THAT(api_->pods(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, AnOlderLeaderWritingTheFenceMeanwhileIsAlsoRefused) {
  api_->WriteFenceToken(3, "master-a");
  api_->OnNextFenceRead([this] { api_->WriteFenceToken(4, "master-c"); });
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(id.status().message(), HasSubstr("written by master-c with fencing token 4"));
  EXPECT_THAT(api_->pods(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, OurOwnConcurrentFenceWriteLetsTheCallGoOn) {
  // Another call of this master (same token) wrote in between: no newer
  // leader exists, so the pod is made.
  api_->WriteFenceToken(4, "master-a");
  api_->OnNextFenceRead([this] { api_->WriteFenceToken(5, "master-a"); });
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(api_->pods(), SizeIs(1));
}

TEST_F(KubernetesProvisionerTest, ARotatedTokenFileIsReadForTheNextRequest) {
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  ASSERT_TRUE(provisioner->AddWorker().ok());
  // The API server now wants the new token; the old one is refused...
  api_->AcceptToken("token-2");
  const absl::StatusOr<std::string> stale = provisioner->AddWorker();
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stale.status().message(), HasSubstr("did not accept the service-account token"));
  // ...until the kubelet replaces the file.
  ASSERT_TRUE(WriteFileAtomically(dir_ / "token", "token-2\n").ok());
  const absl::StatusOr<std::string> fresh = provisioner->AddWorker();
  EXPECT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_THAT(api_->pods(), SizeIs(2));
}

TEST_F(KubernetesProvisionerTest, ATokenFileOfSeveralWordsIsNotSent) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "token", "token-1\nInjected: header\n").ok());
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(id.status().message(), HasSubstr("more than one printable word"));
  EXPECT_THAT(api_->calls(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, AnOversizedAnswerIsRefused) {
  KubernetesProvisionerOptions options = Options();
  options.max_response_bytes = 64 << 10;
  auto provisioner = Make(std::move(options));
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(provisioner->Workers(), ElementsAre(*id));
  api_->PadPodLists(1 << 20);
  const absl::StatusOr<std::string> next = provisioner->AddWorker();
  EXPECT_EQ(next.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(next.status().message(), HasSubstr("is over 65536 bytes"));
  // Workers() keeps the last list it could read.
  EXPECT_THAT(provisioner->Workers(), ElementsAre(*id));
  EXPECT_THAT(api_->pods(), SizeIs(1));
}

TEST_F(KubernetesProvisionerTest, AServerThatDoesNotAnswerIsUnavailableWithinTheTimeout) {
  // A listening socket nobody accepts on: TCP connects (the backlog), the
  // TLS handshake never gets an answer.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  KubernetesProvisionerOptions options = Options();
  options.api_port = ntohs(address.sin_port);
  options.connect_timeout = absl::Milliseconds(300);
  options.read_timeout = absl::Milliseconds(300);
  auto provisioner = Make(std::move(options));
  ASSERT_NE(provisioner, nullptr);
  const absl::Time start = absl::Now();
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  const absl::Duration waited = absl::Now() - start;
  ::close(fd);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(id.status().message(), HasSubstr("did not answer"));
  EXPECT_LT(waited, absl::Seconds(30));  // generous: the timeouts are 0.3 s
  EXPECT_THAT(provisioner->Workers(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, AServerTheCaDidNotSignIsNotTrusted) {
  ASSERT_TRUE(
      infaas::testing::WriteSelfSignedCertificate(dir_ / "other.crt", dir_ / "other.pem").ok());
  KubernetesProvisionerOptions options = Options();
  options.ca_file = dir_ / "other.crt";
  auto provisioner = Make(std::move(options));
  ASSERT_NE(provisioner, nullptr);
  EXPECT_EQ(provisioner->AddWorker().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(api_->calls(), IsEmpty());  // no request got through the handshake
}

TEST_F(KubernetesProvisionerTest, ATemplateWithoutTheWorkerIdIsRefused) {
  json deployment = WorkerDeployment();
  deployment["spec"]["template"]["spec"]["containers"][0]["args"] = {"--cores=2"};
  api_->SetDeployment(deployment);
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  const absl::StatusOr<std::string> id = provisioner->AddWorker();
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(id.status().message(), HasSubstr("--id=$(INFAAS_WORKER_ID)"));
  EXPECT_THAT(api_->pods(), IsEmpty());
}

TEST_F(KubernetesProvisionerTest, CreateNeedsAFencingTokenAndValidNames) {
  KubernetesProvisionerOptions no_token = Options();
  no_token.fencing_token = nullptr;
  EXPECT_EQ(KubernetesProvisioner::Create(std::move(no_token)).status().code(),
            absl::StatusCode::kInvalidArgument);
  KubernetesProvisionerOptions long_prefix = Options();
  long_prefix.pod_prefix = std::string(58, 'a');
  EXPECT_EQ(KubernetesProvisioner::Create(std::move(long_prefix)).status().code(),
            absl::StatusCode::kInvalidArgument);
  KubernetesProvisionerOptions no_ca = Options();
  no_ca.ca_file = dir_ / "missing.crt";
  EXPECT_EQ(KubernetesProvisioner::Create(std::move(no_ca)).status().code(),
            absl::StatusCode::kNotFound);
  auto provisioner = Make(Options());
  ASSERT_NE(provisioner, nullptr);
  // The namespace came from the service-account folder.
  EXPECT_THAT(provisioner->Describe(), HasSubstr("Deployment infaas/infaas-worker"));
}

// The pure template rules, without a server.
TEST(WorkerPodFromDeploymentTest, RefusesASelectorWithMatchExpressions) {
  json deployment = WorkerDeployment();
  deployment["spec"]["selector"]["matchExpressions"] =
      json::parse(R"([{"key": "tier", "operator": "In", "values": ["serving"]}])");
  const absl::StatusOr<json> pod = internal::WorkerPodFromDeployment(
      deployment,
      {.name = "w-abcde", .kubernetes_namespace = "infaas", .managed_by = "m", .container = ""});
  EXPECT_EQ(pod.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pod.status().message(), HasSubstr("matchExpressions"));
}

TEST(WorkerPodFromDeploymentTest, PicksTheNamedContainer) {
  json deployment = WorkerDeployment();
  json& containers = deployment["spec"]["template"]["spec"]["containers"];
  containers.insert(containers.begin(), json{{"name", "sidecar"}, {"image", "busybox"}});
  const absl::StatusOr<json> pod =
      internal::WorkerPodFromDeployment(deployment, {.name = "w-abcde",
                                                     .kubernetes_namespace = "infaas",
                                                     .managed_by = "m",
                                                     .container = "worker"});
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_FALSE((*pod)["spec"]["containers"][0].contains("env"));
  EXPECT_EQ((*pod)["spec"]["containers"][1]["env"].back(),
            json({{"name", "INFAAS_WORKER_ID"}, {"value", "w-abcde"}}));
  // The first container lacks the id: without a name it is the one checked.
  EXPECT_FALSE(
      internal::WorkerPodFromDeployment(
          deployment,
          {.name = "w-abcde", .kubernetes_namespace = "infaas", .managed_by = "m", .container = ""})
          .ok());
}

}  // namespace
}  // namespace infaas::autoscaler
