// Who may do what, against a live master and worker started as `infaas up`
// starts them (API keys required, a cluster secret between them): callers
// without a key, each role, tenants' private models, quotas, browser form
// posts, and strangers posing as a worker or as the master.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/cluster_secret.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "store/metadata_store.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretArchitecture[] = "secretnet";
constexpr char kSecretVariant[] = "secretnet_onnx_cpu1_b1";

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    roots_ = std::filesystem::temp_directory_path() / absl::StrCat("infaas-roots-", ::getpid());
    std::filesystem::remove_all(roots_);
    std::filesystem::create_directories(roots_ / "jobs");
    std::filesystem::create_directories(roots_ / "sources");
    auto cluster = TestCluster::Start(
        {.workers = 1,
         .zoo_models = {"lenet5"},
         .master_flags = {"--reload-ms", "200", "--job-root", (roots_ / "jobs").string(),
                          "--model-source-root", (roots_ / "sources").string()},
         .secure = true});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    std::filesystem::remove_all(roots_);
  }

  // A stub whose calls carry `key` (none when empty).
  static std::unique_ptr<v1::Infaas::Stub> Api(const std::string& key) {
    return v1::Infaas::NewStub(
        CreateChannelWithMetadata(cluster_->master_address(), grpc::ChannelArguments(),
                                  {{"authorization", key.empty() ? "" : "Bearer " + key}}));
  }
  static std::unique_ptr<v1::Access::Stub> Admin() {
    return v1::Access::NewStub(
        CreateChannelWithMetadata(cluster_->master_address(), grpc::ChannelArguments(),
                                  {{"authorization", "Bearer " + cluster_->admin_key()}}));
  }
  static std::string NewKey(const std::string& tenant, const std::string& role) {
    grpc::ClientContext context;
    v1::CreateApiKeyRequest request;
    request.set_tenant(tenant);
    request.set_role(role);
    v1::CreateApiKeyResponse response;
    grpc::Status s = Admin()->CreateApiKey(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.key();
  }
  static std::map<std::string, std::string> Bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  static grpc::Status Query(v1::Infaas::Stub& api, const std::string& architecture,
                            const std::string& variant = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::QueryOnlineRequest request;
    if (variant.empty()) {
      request.set_architecture(architecture);
      request.set_latency_slo_ms(5000);
    } else {
      request.set_variant(variant);
    }
    request.add_inputs()->set_encoded_image(ReadBytes(SampleImages().front()));
    v1::QueryOnlineResponse response;
    return api.QueryOnline(&context, request, &response);
  }

  static std::vector<std::string> Architectures(v1::Infaas::Stub& api) {
    grpc::ClientContext context;
    v1::ListArchitecturesResponse response;
    EXPECT_TRUE(api.ListArchitectures(&context, {}, &response).ok());
    return {response.architectures().begin(), response.architectures().end()};
  }

  // A copy of a lenet5 variant registered as tenant beta's private model
  // (the worker loads it from lenet5's files); waits until beta sees it.
  static void AddBetasPrivateModel(v1::Infaas::Stub& beta) {
    auto store =
        store::OpenMetadataStore(absl::StrCat("sqlite:", (cluster_->dir() / "infaas.db").string()));
    ASSERT_TRUE(store.ok()) << store.status();
    v1::VariantFilter filter;
    filter.set_architecture("lenet5");
    std::vector<v1::VariantRecord> zoo = *(*store)->ListVariants(filter);
    ASSERT_FALSE(zoo.empty());
    v1::VariantRecord secret = zoo.front();
    secret.mutable_config()->set_name(kSecretVariant);
    secret.mutable_config()->set_architecture(kSecretArchitecture);
    secret.set_owner_tenant("beta");
    ASSERT_TRUE((*store)->PutVariants({secret}).ok());
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      std::vector<std::string> seen = Architectures(beta);
      if (std::find(seen.begin(), seen.end(), kSecretArchitecture) != seen.end()) return;
      absl::SleepFor(absl::Milliseconds(100));
    }
    FAIL() << "the master never loaded the private model";
  }

  static grpc::Status Submit(const std::string& input, const std::string& output) {
    grpc::ClientContext context;
    v1::SubmitOfflineJobRequest request;
    request.set_input_url(input);
    request.set_output_url(output);
    request.mutable_requirements()->set_architecture("lenet5");
    v1::SubmitOfflineJobResponse response;
    return cluster_->api()->SubmitOfflineJob(&context, request, &response);
  }

  // Submits as `key`; the job's id in `job_id` when accepted.
  static grpc::Status SubmitAs(const std::string& key, const std::filesystem::path& input,
                               const std::filesystem::path& output, std::string* job_id = nullptr) {
    grpc::ClientContext context;
    v1::SubmitOfflineJobRequest request;
    request.set_input_url(input.string());
    request.set_output_url(output.string());
    request.mutable_requirements()->set_architecture("lenet5");
    v1::SubmitOfflineJobResponse response;
    grpc::Status s = Api(key)->SubmitOfflineJob(&context, request, &response);
    if (job_id != nullptr) *job_id = response.job_id();
    return s;
  }

  // The job once it has ended (or as it is after a minute).
  static v1::OfflineJob EndOf(const std::string& key, const std::string& id) {
    v1::OfflineJob job;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      v1::GetOfflineJobRequest request;
      request.set_job_id(id);
      if (Api(key)->GetOfflineJob(&context, request, &job).ok() &&
          (job.state() == v1::OfflineJob::STATE_DONE ||
           job.state() == v1::OfflineJob::STATE_FAILED ||
           job.state() == v1::OfflineJob::STATE_CANCELLED)) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return job;
  }

  static TestCluster* cluster_;
  static std::filesystem::path roots_;
};

TestCluster* AccessTest::cluster_ = nullptr;
std::filesystem::path AccessTest::roots_;

TEST_F(AccessTest, WithoutAKeyOnlyHealthAnswers) {
  grpc::ClientContext context;
  v1::ListArchitecturesResponse response;
  grpc::Status s = Api("")->ListArchitectures(&context, {}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("authorization: Bearer KEY"));
  EXPECT_EQ(Query(*Api("infaas_000000000000_" + std::string(64, '0')), "lenet5").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  HttpReply metadata = HttpGet(cluster_->http_address(), "/v2/models/lenet5");
  EXPECT_EQ(metadata.status, 401);
  EXPECT_EQ(metadata.headers["WWW-Authenticate"], "Bearer");
  EXPECT_THAT(JsonErrorOf(metadata), HasSubstr("API key"));
  EXPECT_EQ(HttpGet(cluster_->http_address(), "/v1/architectures").status, 401);
  EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/metrics").status, 401);
  EXPECT_EQ(HttpGet(cluster_->http_address(), "/v2/health/live").status, 200);
  EXPECT_EQ(HttpGet(cluster_->http_address(), "/v2/health/ready").status, 200);
  EXPECT_EQ(HttpGet(cluster_->http_address(), "/ui/").status, 200);
  // The caller is known before the request is looked at: a form post, a
  // compressed body or an unknown path without a key all get 401, not 415
  // or 404.
  for (const auto& [path, headers] :
       std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
           {"/v2/models/lenet5/infer", {{"Content-Type", "application/x-www-form-urlencoded"}}},
           {"/v2/models/lenet5/infer", {{"Content-Encoding", "gzip"}}},
           {"/no/such/endpoint", {}}}) {
    HttpReply r = HttpPost(cluster_->http_address(), path, "a=b", headers);
    EXPECT_EQ(r.status, 401) << path << " " << r.body;
    EXPECT_EQ(r.headers["WWW-Authenticate"], "Bearer");
  }
}

TEST_F(AccessTest, EachRoleDoesWhatItMayAndNoMore) {
  const std::string user = NewKey("acme", "user");
  const std::string metrics = NewKey("acme", "metrics");
  std::unique_ptr<v1::Infaas::Stub> as_user = Api(user);

  EXPECT_TRUE(Query(*as_user, "lenet5").ok());  // the zoo is public
  grpc::ClientContext status_context;
  v1::ClusterStatus status;
  grpc::Status refused = as_user->GetClusterStatus(&status_context, {}, &status);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("needs an admin key"));
  grpc::ClientContext register_context;
  v1::RegisterModelRequest registration;
  registration.set_model_url("/tmp");
  auto reader = as_user->RegisterModel(&register_context, registration);
  v1::RegisterModelProgress progress;
  while (reader->Read(&progress)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      HttpPost(cluster_->http_address(), "/v2/repository/models/lenet5/load", "", Bearer(user))
          .status,
      403);
  EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/metrics", Bearer(user)).status, 403);

  EXPECT_EQ(HttpGet(cluster_->metrics_address(), "/metrics", Bearer(metrics)).status, 200);
  EXPECT_EQ(Query(*Api(metrics), "lenet5").error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The admin sees what users may not; a revoked key stops working at once.
  grpc::ClientContext admin_context;
  EXPECT_TRUE(cluster_->api()->GetClusterStatus(&admin_context, {}, &status).ok());
  grpc::ClientContext list_context;
  v1::ListApiKeysResponse keys;
  ASSERT_TRUE(Admin()->ListApiKeys(&list_context, {}, &keys).ok());
  std::string user_id;
  for (const v1::ApiKeyRecord& k : keys.keys()) {
    EXPECT_TRUE(k.sha256().empty());
    if (user.find(k.id()) != std::string::npos) user_id = k.id();
  }
  ASSERT_FALSE(user_id.empty());
  grpc::ClientContext revoke_context;
  v1::RevokeApiKeyRequest revoke;
  revoke.set_id(user_id);
  v1::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(Admin()->RevokeApiKey(&revoke_context, revoke, &revoked).ok());
  EXPECT_EQ(Query(*as_user, "lenet5").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccessTest, AnotherTenantsPrivateModelDoesNotExistForThem) {
  std::unique_ptr<v1::Infaas::Stub> beta = Api(NewKey("beta", "user"));
  const std::string acme_key = NewKey("acme", "user");
  std::unique_ptr<v1::Infaas::Stub> acme = Api(acme_key);
  AddBetasPrivateModel(*beta);

  EXPECT_THAT(Architectures(*acme), Not(::testing::Contains(kSecretArchitecture)));
  grpc::ClientContext info_context;
  v1::GetModelInfoRequest info;
  info.set_architecture(kSecretArchitecture);
  v1::GetModelInfoResponse info_response;
  grpc::Status hidden = acme->GetModelInfo(&info_context, info, &info_response);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(hidden.error_message(), Not(HasSubstr("beta")));
  EXPECT_EQ(Query(*acme, kSecretArchitecture).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Query(*acme, "", kSecretVariant).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(HttpGet(cluster_->http_address(), std::string("/v2/models/") + kSecretVariant,
                    Bearer(acme_key))
                .status,
            404);
  HttpReply index =
      HttpPost(cluster_->http_address(), "/v2/repository/index", "", Bearer(acme_key));
  EXPECT_EQ(index.status, 200);
  EXPECT_THAT(index.body, Not(HasSubstr(kSecretVariant)));

  // Its owner and the operator use it.
  grpc::Status served = Query(*beta, kSecretArchitecture);
  EXPECT_TRUE(served.ok()) << served.error_message();
  EXPECT_THAT(Architectures(*cluster_->api()), ::testing::Contains(kSecretArchitecture));
}

TEST_F(AccessTest, ATenantOverItsQuotaIsRefusedAtOnceAndOthersAreServed) {
  grpc::ClientContext context;
  v1::TenantRecord quota, set;
  quota.set_name("flood");
  quota.set_max_queries_per_second(0.2);  // one token, the next in 5 s
  ASSERT_TRUE(Admin()->SetTenantQuota(&context, quota, &set).ok());
  const std::string flood_key = NewKey("flood", "user");
  std::unique_ptr<v1::Infaas::Stub> flood = Api(flood_key);
  std::unique_ptr<v1::Infaas::Stub> calm = Api(NewKey("calm", "user"));

  EXPECT_TRUE(Query(*flood, "lenet5").ok());
  grpc::Status over = Query(*flood, "lenet5");
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(over.error_message(), HasSubstr("tenant flood is over its quota"));
  HttpReply refused = HttpPost(cluster_->http_address(), "/v1/query",
                               R"({"architecture": "lenet5", "latency_slo_ms": 5000,
                                   "inputs": [{"raw_fp32": ""}]})",
                               Bearer(flood_key));
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.headers["Retry-After"].empty());
  EXPECT_TRUE(Query(*calm, "lenet5").ok());
}

TEST_F(AccessTest, ABrowserFormCannotPost) {
  HttpReply form = HttpPost(cluster_->http_address(), "/v2/repository/models/lenet5/unload", "a=b",
                            {{"Authorization", "Bearer " + cluster_->admin_key()},
                             {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 415);
  EXPECT_THAT(JsonErrorOf(form), HasSubstr("send JSON"));
  // Without its key a form gets no further on a query endpoint either.
  HttpReply keyless = HttpPost(cluster_->http_address(), "/v2/models/lenet5/infer", "{}",
                               {{"Content-Type", "text/plain"}});
  EXPECT_EQ(keyless.status, 401) << keyless.body;
}

TEST_F(AccessTest, AQueryWithCurlsDefaultContentTypeIsReadAsJson) {
  // What `curl -d` sends: the body labelled a form's, holding JSON.
  std::string zeros = "0";
  for (int i = 1; i < 28 * 28; ++i) zeros += ",0";
  const std::string image =
      R"({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32", "data": [)" +
      zeros + "]}]}";
  for (const char* type : {"application/x-www-form-urlencoded", "text/plain; charset=utf-8"}) {
    HttpReply answer =
        HttpPost(cluster_->http_address(), "/v2/models/lenet5_onnx_cpu1_b1/infer", image,
                 {{"Authorization", "Bearer " + cluster_->admin_key()}, {"Content-Type", type}});
    EXPECT_EQ(answer.status, 200) << type << ": " << answer.body;
  }
  // A multipart body is not JSON: still refused, saying what to send.
  HttpReply multipart =
      HttpPost(cluster_->http_address(), "/v2/models/lenet5_onnx_cpu1_b1/infer", image,
               {{"Authorization", "Bearer " + cluster_->admin_key()},
                {"Content-Type", "multipart/form-data; boundary=x"}});
  EXPECT_EQ(multipart.status, 415);
  EXPECT_THAT(JsonErrorOf(multipart), HasSubstr("send JSON"));
}

TEST_F(AccessTest, StrangersCannotPoseAsAWorkerOrAsTheMaster) {
  auto master = worker_rpc::Master::NewStub(
      grpc::CreateChannel(cluster_->master_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext beat_context;
  worker_rpc::HeartbeatRequest beat;
  beat.set_worker_id("worker-1");  // a real worker's id
  beat.set_address("127.0.0.1:1");
  worker_rpc::HeartbeatResponse beat_response;
  grpc::Status forged = master->Heartbeat(&beat_context, beat, &beat_response);
  EXPECT_EQ(forged.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(forged.error_message(), HasSubstr("cluster secret"));

  absl::StatusOr<v1::ClusterStatus> status = cluster_->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->workers_size(), 1);
  EXPECT_NE(status->workers(0).address(), "127.0.0.1:1");  // not taken over
  auto worker = worker_rpc::Worker::NewStub(
      grpc::CreateChannel(status->workers(0).address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext unload_context;
  worker_rpc::UnloadVariantRequest unload;
  unload.set_variant("lenet5_onnx_cpu1_b1");
  worker_rpc::UnloadVariantResponse unloaded;
  EXPECT_EQ(worker->UnloadVariant(&unload_context, unload, &unloaded).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext infer_context;
  worker_rpc::InferRequest infer;
  infer.set_variant("lenet5_onnx_cpu1_b1");
  worker_rpc::InferResponse inferred;
  EXPECT_EQ(worker->Infer(&infer_context, infer, &inferred).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The real members still talk: the operator's query is answered.
  EXPECT_TRUE(Query(*cluster_->api(), "lenet5").ok());
}

TEST_F(AccessTest, JobsAndRegistrationUseOnlyTheConfiguredRoots) {
  const std::filesystem::path jobs = roots_ / "jobs";
  std::filesystem::create_directories(jobs / "in");
  std::filesystem::create_symlink("/etc", jobs / "link");
  // Outside, whether it exists or not, through "..", or through a link: the
  // same refusal, which does not say whether the path exists.
  grpc::Status etc = Submit("/etc", (jobs / "out1").string());
  EXPECT_EQ(etc.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(etc.error_message(), HasSubstr("--job-root"));
  grpc::Status missing = Submit("/no/such/folder", (jobs / "out2").string());
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(etc.error_message().substr(etc.error_message().find("\" is outside")),
            missing.error_message().substr(missing.error_message().find("\" is outside")));
  EXPECT_EQ(Submit((jobs / "../../etc").string(), (jobs / "out3").string()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit((jobs / "link").string(), (jobs / "out4").string()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit((jobs / "in").string(), "/tmp/infaas-escaped-results").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(std::filesystem::exists("/tmp/infaas-escaped-results"));
  grpc::Status inside = Submit((jobs / "in").string(), (jobs / "out5").string());
  EXPECT_TRUE(inside.ok()) << inside.error_message();

  grpc::ClientContext context;
  v1::RegisterModelRequest registration;
  registration.set_config_pbtxt("name: \"x\"");
  registration.set_model_url((TestCluster::SourceDir() / "models/zoo/linear").string());
  auto reader = cluster_->api()->RegisterModel(&context, registration);
  v1::RegisterModelProgress progress;
  while (reader->Read(&progress)) {
  }
  grpc::Status outside = reader->Finish();
  EXPECT_EQ(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(outside.error_message(), HasSubstr("--model-source-root"));
}

TEST_F(AccessTest, AUserKeyNamesOnlyItsTenantsShareOfTheJobRoots) {
  namespace fs = std::filesystem;
  const std::string key = NewKey("alpha", "user");
  const fs::path jobs = roots_ / "jobs", share = jobs / "tenants/alpha";
  fs::create_directories(share / "in");
  fs::create_directories(jobs / "tenants/gamma/in");
  fs::create_directories(jobs / "operator-in");
  fs::copy_file(TestCluster::SourceDir() / "models/zoo/samples/bag_0018.png", share / "in/a.png");
  fs::create_symlink(jobs / "operator-in", share / "link");
  // The operator's part of the root, another tenant's share, "..", a link
  // out of the share, and a folder outside the roots: all refused alike.
  for (const fs::path& input : {jobs / "operator-in", jobs / "tenants/gamma/in",
                                share / "../gamma/in", share / "link", fs::path("/etc")}) {
    grpc::Status s = SubmitAs(key, input, share / "out-refused");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << input;
    EXPECT_THAT(s.error_message(), HasSubstr("tenants/alpha")) << input;
  }
  EXPECT_EQ(SubmitAs(key, share / "in", jobs / "operator-out").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(fs::exists(jobs / "operator-out"));
  std::string id;
  grpc::Status inside = SubmitAs(key, share / "in", share / "out", &id);
  ASSERT_TRUE(inside.ok()) << inside.error_message();
  EXPECT_EQ(EndOf(key, id).state(), v1::OfflineJob::STATE_DONE);
  EXPECT_TRUE(fs::exists(share / "out/a.json"));
}

TEST_F(AccessTest, ALinkSwappedInAfterSubmissionCannotLeadAJobOutOfItsShare) {
  namespace fs = std::filesystem;
  const std::string key = NewKey("delta", "user");
  const fs::path jobs = roots_ / "jobs", share = jobs / "tenants/delta";
  const fs::path target = jobs / "operator-only";
  fs::create_directories(share / "in");
  fs::create_directories(target);
  for (int i = 0; i < 40; ++i) {
    fs::copy_file(TestCluster::SourceDir() / "models/zoo/samples/bag_0018.png",
                  share / "in" / absl::StrCat("bag_", i, ".png"));
  }
  std::string id;
  grpc::Status submitted = SubmitAs(key, share / "in", share / "out", &id);
  ASSERT_TRUE(submitted.ok()) << submitted.error_message();
  // Checked at submission; now the output folder becomes a link to a folder
  // the tenant may not use (the job may or may not have opened it yet).
  fs::rename(share / "out", share / "out-checked");
  fs::create_symlink(target, share / "out");
  const v1::OfflineJob job = EndOf(key, id);
  // Either the job writes where it was checked (opened before the swap) or
  // it fails to open the link: never a file in the target.
  EXPECT_TRUE(fs::is_empty(target)) << job.DebugString();
  if (job.state() == v1::OfflineJob::STATE_DONE) {
    EXPECT_TRUE(fs::exists(share / "out-checked/bag_0.json"));
  } else {
    EXPECT_EQ(job.state(), v1::OfflineJob::STATE_FAILED);
    EXPECT_THAT(job.error(), AnyOf(HasSubstr("outside"), HasSubstr("leads out"))) << job.error();
  }
}

}  // namespace
}  // namespace infaas::testing
