// TLS on every listener, against a live master and worker started with a
// certificate the test makes (and API keys and a cluster secret, as `infaas
// up --tls-cert` starts them): clients that trust the certificate are
// served over gRPC and HTTPS; plaintext clients get nothing; the worker
// heartbeats and is dialed over TLS (a query is answered at all).

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>

#include "absl/time/clock.h"
#include "common/cluster_secret.h"
#include "common/tls.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster =
        TestCluster::Start({.workers = 1, .zoo_models = {"lenet5"}, .secure = true, .tls = true});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static std::unique_ptr<httplib::SSLClient> Https(const std::string& address) {
    const size_t colon = address.rfind(':');
    auto client = std::make_unique<httplib::SSLClient>(address.substr(0, colon),
                                                       std::stoi(address.substr(colon + 1)));
    client->set_ca_cert_path(cluster_->tls_cert().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(10);
    return client;
  }

  static TestCluster* cluster_;
};

TestCluster* TlsTest::cluster_ = nullptr;

TEST_F(TlsTest, ATrustingClientIsServedOverGrpcAndTheWorkerIsReachedOverTls) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::QueryOnlineRequest request;
  request.set_architecture("lenet5");
  request.set_latency_slo_ms(5000);
  request.add_inputs()->set_encoded_image(ReadBytes(SampleImages().front()));
  v1::QueryOnlineResponse response;
  grpc::Status s = cluster_->api()->QueryOnline(&context, request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  absl::StatusOr<v1::ClusterStatus> status = cluster_->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->workers_size(), 1);  // its heartbeats came over TLS
}

TEST_F(TlsTest, PlaintextClientsGetNothingFromTheMasterOrTheWorker) {
  auto plain = v1::Infaas::NewStub(
      grpc::CreateChannel(cluster_->master_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::ListArchitecturesResponse response;
  EXPECT_EQ(plain->ListArchitectures(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  absl::StatusOr<v1::ClusterStatus> status = cluster_->Status();
  ASSERT_TRUE(status.ok() && status->workers_size() == 1);
  auto worker = worker_rpc::Worker::NewStub(
      grpc::CreateChannel(status->workers(0).address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext worker_context;
  worker_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  worker_rpc::UnloadVariantRequest unload;
  unload.set_variant("lenet5_onnx_cpu1_b1");
  worker_rpc::UnloadVariantResponse unloaded;
  EXPECT_EQ(worker->UnloadVariant(&worker_context, unload, &unloaded).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  httplib::Client http(
      cluster_->http_address().substr(0, cluster_->http_address().rfind(':')),
      std::stoi(cluster_->http_address().substr(cluster_->http_address().rfind(':') + 1)));
  http.set_connection_timeout(5);
  http.set_read_timeout(5);
  httplib::Result plain_http = http.Get("/v2/health/live");
  EXPECT_TRUE(plain_http == nullptr || plain_http->status != 200);
}

TEST_F(TlsTest, HttpsAndMetricsServeAClientThatTrustsTheCertificate) {
  std::unique_ptr<httplib::SSLClient> https = Https(cluster_->http_address());
  httplib::Result live = https->Get("/v2/health/live");
  ASSERT_TRUE(live != nullptr) << httplib::to_string(live.error());
  EXPECT_EQ(live->status, 200);
  httplib::Result model =
      https->Get("/v2/models/lenet5", {{"Authorization", "Bearer " + cluster_->admin_key()}});
  ASSERT_TRUE(model != nullptr);
  EXPECT_EQ(model->status, 200);
  std::unique_ptr<httplib::SSLClient> metrics = Https(cluster_->metrics_address());
  httplib::Result scraped =
      metrics->Get("/metrics", {{"Authorization", "Bearer " + cluster_->admin_key()}});
  ASSERT_TRUE(scraped != nullptr);
  EXPECT_EQ(scraped->status, 200);

  // A client that trusts nothing refuses the unknown certificate.
  const std::string address = cluster_->http_address();
  httplib::SSLClient untrusting(address.substr(0, address.rfind(':')),
                                std::stoi(address.substr(address.rfind(':') + 1)));
  untrusting.set_ca_cert_path("/nonexistent-ca.pem");
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_connection_timeout(5);
  EXPECT_TRUE(untrusting.Get("/v2/health/live") == nullptr);
}

}  // namespace
}  // namespace infaas::testing
