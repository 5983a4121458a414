#include "controller/serving_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ServingMetricsTest : public ::testing::Test {
 protected:
  ServingMetricsTest()
      : catalogue_(testing::StoredCatalogue::Create("serving-metrics-test",
                                                    {testing::MakeVariant({.name = "lenet5_b8"})})
                       .value()),
        metrics_(&registry_, &cluster_, catalogue_->view(), &clock_) {}

  static v1::QueryOnlineResponse Answer(const std::string& variant, int inputs, int batch) {
    v1::QueryOnlineResponse r;
    r.set_variant(variant);
    r.set_batch_size(batch);
    r.set_queue_time_ms(2);
    r.set_compute_time_ms(5);
    for (int i = 0; i < inputs; ++i) r.add_outputs()->add_values(1);
    return r;
  }

  static worker_rpc::HeartbeatRequest Beat(std::vector<std::string> variants) {
    worker_rpc::HeartbeatRequest beat;
    beat.set_worker_id("w1");
    beat.set_total_memory_bytes(1000);
    beat.set_free_memory_bytes(400);
    beat.set_cpu_utilization(0.25);
    for (const std::string& v : variants) {
      worker_rpc::VariantLoad* load = beat.add_variants();
      load->set_variant(v);
      load->set_instances(1);
      load->set_queue_length(3);
    }
    return beat;
  }

  FakeClock clock_;
  metrics::MetricsRegistry registry_;
  ClusterView cluster_;
  std::unique_ptr<testing::StoredCatalogue> catalogue_;
  ServingMetrics metrics_;
};

TEST_F(ServingMetricsTest, CountsAnswersSharesOfBatchesAndSlo) {
  QueryRequirements arch;
  arch.architecture = "lenet5";
  arch.latency_slo_ms = 20;
  metrics_.OnQueryDone(arch, Answer("lenet5_b8", 2, 4), absl::Milliseconds(10));
  metrics_.OnQueryDone(arch, Answer("lenet5_b8", 1, 1), absl::Milliseconds(30));
  metrics_.OnQueryDone(arch, absl::UnavailableError("busy"), absl::Milliseconds(1));

  const VariantStatistics s = metrics_.StatisticsOf("lenet5_b8");
  EXPECT_EQ(s.inference_count, 3);
  EXPECT_DOUBLE_EQ(s.execution_count, 1.5);  // half of a batch of 4, one of 1
  EXPECT_EQ(s.success.count, 2);
  EXPECT_DOUBLE_EQ(s.compute_infer.seconds, 0.010);
  EXPECT_EQ(s.batches.at(4).count, 1);
  EXPECT_EQ(metrics_.StatisticsOf("lenet5").fail.count, 1);

  const std::string text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("nv_inference_count_total{model=\"lenet5_b8\",version=\"1\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("nv_inference_exec_count_total{model=\"lenet5_b8\",version=\"1\"} 1.5\n"));
  EXPECT_THAT(text, HasSubstr("infaas_slo_attained_total{variant=\"lenet5_b8\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("infaas_slo_missed_total{variant=\"lenet5_b8\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("nv_inference_request_failure_total{model=\"lenet5\",version=\"1\","
                              "reason=\"unavailable\"} 1\n"));
}

TEST_F(ServingMetricsTest, NamesNoOneRegisteredNeverBecomeLabels) {
  for (int i = 0; i < 100; ++i) {
    QueryRequirements made_up;
    made_up.variant = absl::StrCat("random_name_", i);
    metrics_.OnQueryDone(made_up, absl::NotFoundError("no such variant"), absl::Milliseconds(1));
  }
  const std::string text = registry_.TextExposition();
  EXPECT_THAT(text, Not(HasSubstr("random_name_")));
  EXPECT_THAT(text, HasSubstr("nv_inference_request_failure_total{model=\"(unregistered)\","
                              "version=\"1\",reason=\"not_found\"} 100\n"));
}

TEST_F(ServingMetricsTest, HeartbeatsCountLoadsAndUnloadsAndFeedWorkerGauges) {
  metrics_.OnHeartbeat(Beat({"a", "b"}));
  cluster_.OnHeartbeat(Beat({"a", "b"}), clock_.Now());
  metrics_.OnHeartbeat(Beat({"b", "c"}));
  std::string text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("infaas_variant_loads_total{variant=\"c\",worker=\"w1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("infaas_variant_unloads_total{variant=\"a\",worker=\"w1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("nv_cpu_memory_used_bytes{worker=\"w1\"} 600\n"));
  EXPECT_THAT(text, HasSubstr("infaas_variant_queue_length{variant=\"a\",worker=\"w1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("infaas_workers_alive 1\n"));

  clock_.Advance(absl::Seconds(10));  // the worker falls silent: its gauges go
  text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("infaas_workers_alive 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("nv_cpu_memory_used_bytes{")));
}

}  // namespace
}  // namespace infaas::controller
