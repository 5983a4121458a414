#include "controller/selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using testing::kMiB;
using testing::VariantSpec;

v1::VariantRecord Variant(const VariantSpec& spec) { return testing::MakeVariant(spec); }

// Costs (threads x batch-1 latency): mlp 0.5, lenet5 onnx 2, lenet5
// torchscript 4, resnet_mini 6.2 core-ms.
Catalogue Zoo() {
  Catalogue zoo;
  zoo.variants.push_back(Variant({.name = "lenet5_onnx_cpu1_b1", .latency = {{1, 2.0}}}));
  zoo.variants.push_back(Variant({.name = "lenet5_torchscript_cpu4_b8",
                                  .threads = 4,
                                  .max_batch = 8,
                                  .latency = {{1, 1.0}, {2, 1.5}, {4, 2.5}, {8, 4.5}},
                                  .load_ms = 50}));
  zoo.variants.push_back(Variant(
      {.name = "mlp_onnx_cpu1_b1", .architecture = "mlp", .latency = {{1, 0.5}}, .accuracy = 84}));
  zoo.variants.push_back(Variant({.name = "resnet_mini_torchscript_cpu2_b1",
                                  .architecture = "resnet_mini",
                                  .threads = 2,
                                  .latency = {{1, 3.1}},
                                  .accuracy = 92.1}));
  return zoo;
}

LoadedVariant Loaded(std::string variant, int queue_length = 0, bool loading = false) {
  LoadedVariant v;
  v.variant = std::move(variant);
  v.queue_length = queue_length;
  v.loading = loading;
  v.instances = loading ? 0 : 1;  // loading: the first instance, not serving yet
  return v;
}

WorkerSnapshot Worker(std::string id, std::vector<LoadedVariant> loaded = {},
                      int64_t free_memory = 1024 * kMiB, double cpu_utilization = 0.1) {
  WorkerSnapshot w;
  w.address = id + ":7000";
  w.id = std::move(id);
  w.cores = 4;
  w.cpu_utilization = cpu_utilization;
  w.free_memory_bytes = free_memory;
  w.variants = std::move(loaded);
  return w;
}

ClusterSnapshot Cluster(std::vector<WorkerSnapshot> workers) {
  ClusterSnapshot c;
  c.workers = std::move(workers);
  return c;
}

QueryRequirements ByArchitecture(std::string architecture, double slo_ms) {
  QueryRequirements q;
  q.architecture = std::move(architecture);
  q.latency_slo_ms = slo_ms;
  return q;
}

QueryRequirements ByFamily(double min_accuracy, double slo_ms) {
  QueryRequirements q;
  q.task = "classification";
  q.dataset = "fashion-mnist";
  q.min_accuracy_percent = min_accuracy;
  q.latency_slo_ms = slo_ms;
  return q;
}

QueryRequirements ByVariant(std::string variant) {
  QueryRequirements q;
  q.variant = std::move(variant);
  return q;
}

// --- PredictLatencyMs -------------------------------------------------------

TEST(PredictLatencyTest, InterpolatesBetweenMeasuredBatchSizes) {
  const v1::VariantProfile p = Zoo().variants[1].profile();  // 1:1.0 2:1.5 4:2.5 8:4.5
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 1), 1.0);
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 3), 2.0);
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 6), 3.5);
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 8), 4.5);
}

TEST(PredictLatencyTest, ExtrapolatesBeyondTheLargestAlongTheLastSlope) {
  const v1::VariantProfile p = Zoo().variants[1].profile();
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 16), 8.5);  // slope 0.5 ms per example
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 0), 1.0);   // below 1 counts as 1
}

TEST(PredictLatencyTest, OneMeasurementScalesWithTheBatchAndNoneIsInfinite) {
  v1::VariantProfile p = Variant({.name = "v", .latency = {{2, 4.0}}}).profile();
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 1), 4.0);  // no faster than measured
  EXPECT_DOUBLE_EQ(PredictLatencyMs(p, 4), 8.0);
  p.clear_latency();
  EXPECT_TRUE(std::isinf(PredictLatencyMs(p, 1)));
}

// --- Form 1: a named variant --------------------------------------------------

TEST(SelectorTest, NamedVariantRunsOnTheLeastLoadedWorkerThatHasIt) {
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 4)}),
               Worker("w2", {Loaded("lenet5_onnx_cpu1_b1", 1)}), Worker("w3")});
  SelectorDecision d = SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "w2");
  EXPECT_EQ(d.selection->worker_address, "w2:7000");
  EXPECT_FALSE(d.selection->needs_load);
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 4.0);  // 1 queued x 2 ms + 2 ms
  EXPECT_THAT(d.selection->reason, HasSubstr("least loaded of 2 workers"));
  EXPECT_FALSE(d.background_load.has_value());
}

TEST(SelectorTest, NamedVariantLoadedNowhereLoadsOnTheWorkerWithTheMostFreeMemory) {
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {}, 512 * kMiB), Worker("w2", {}, 2048 * kMiB), Worker("w3")});
  SelectorDecision d = SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "w2");
  EXPECT_TRUE(d.selection->needs_load);
  // Never loaded on this cluster: three times the profile's 100 ms load.
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 302.0);  // load + inference
  cluster.measured_load_ms.Set("lenet5_onnx_cpu1_b1", 80);
  d = SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), Zoo(), cluster);
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 82.0);  // the measured load
}

TEST(SelectorTest, OverloadedNamedVariantServesAndRecommendsAnotherInstance) {
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 30)}), Worker("w2")});
  SelectorDecision d = SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "w1");
  ASSERT_TRUE(d.background_load.has_value());
  EXPECT_EQ(d.background_load->variant, "lenet5_onnx_cpu1_b1");
  EXPECT_EQ(d.background_load->worker_id, "w2");
  EXPECT_THAT(d.background_load->reason, HasSubstr("overloaded"));
}

TEST(SelectorTest, UnknownVariantIsNotFoundWithSimilarNamesAndHowToList) {
  SelectorDecision d =
      SelectVariant(ByVariant("lenet5_onnx_cpu1_b2"), Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(d.selection.status().message(),
              AllOf(HasSubstr("unknown variant \"lenet5_onnx_cpu1_b2\""),
                    HasSubstr("similar: lenet5_onnx_cpu1_b1"), HasSubstr("infaas modinfo lenet5")));
  d = SelectVariant(ByVariant("resnet"), Zoo(), Cluster({Worker("w1")}));
  EXPECT_THAT(d.selection.status().message(),
              AllOf(HasSubstr("similar: resnet_mini_torchscript_cpu2_b1"),
                    HasSubstr("infaas modinfo resnet_mini")));
}

TEST(SelectorTest, BatchAboveTheVariantsMaxBatchIsInvalidAndNamesTheMax) {
  QueryRequirements q = ByVariant("lenet5_torchscript_cpu4_b8");
  q.batch_size = 9;
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.selection.status().message(), HasSubstr("batch 9 exceeds the max batch 8"));
}

TEST(SelectorTest, InputDimsThatDoNotMatchTheVariantAreInvalid) {
  QueryRequirements q = ByVariant("lenet5_onnx_cpu1_b1");
  q.input_dims = {3, 224, 224};
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.selection.status().message(),
            "-d 3,224,224 does not match the input [1,28,28] of variant lenet5_onnx_cpu1_b1");
}

TEST(SelectorTest, ASingleDimIsTheImageSizeAsInTheOriginalCli) {
  QueryRequirements q = ByVariant("lenet5_onnx_cpu1_b1");
  q.input_dims = {28};
  EXPECT_TRUE(SelectVariant(q, Zoo(), Cluster({Worker("w1")})).selection.ok());
  q.input_dims = {224};
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.selection.status().message(),
            "-d 224 does not match the input [1,28,28] of variant lenet5_onnx_cpu1_b1");
}

TEST(SelectorTest, VariantTooBigForEveryWorkerIsResourceExhausted) {
  Catalogue zoo = Zoo();
  zoo.variants[0].mutable_profile()->set_peak_memory_bytes(512 * kMiB);
  SelectorDecision d =
      SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), zoo, Cluster({Worker("w1", {}, 100 * kMiB)}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(d.selection.status().message(),
              HasSubstr("it needs 512 MiB free and the most any worker has is 100 MiB (w1)"));
}

// --- Forms 2 and 3 -------------------------------------------------------------

TEST(SelectorTest, ArchitectureQueryPrefersALoadedVariantWithinTheSlo) {
  // The cold ONNX variant is cheaper and its load would fit 200 ms, but a
  // loaded variant serves without a load; the cheaper one loads aside.
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {Loaded("lenet5_torchscript_cpu4_b8")}), Worker("w2")});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 200), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  EXPECT_EQ(d.selection->worker_id, "w1");
  EXPECT_FALSE(d.selection->needs_load);
  EXPECT_THAT(d.selection->reason, HasSubstr("cheapest loaded variant of lenet5"));
  ASSERT_TRUE(d.background_load.has_value());
  EXPECT_EQ(d.background_load->variant, "lenet5_onnx_cpu1_b1");
}

TEST(SelectorTest, LooseSloPicksTheCheapVariantNotTheBigOne) {
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_torchscript_cpu4_b8"), Loaded("lenet5_onnx_cpu1_b1")})});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 1000), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_onnx_cpu1_b1");
  EXPECT_FALSE(d.background_load.has_value());
}

TEST(SelectorTest, TightSloPicksTheFasterLoadedVariant) {
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_torchscript_cpu4_b8"), Loaded("lenet5_onnx_cpu1_b1")})});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 1.5), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 1.0);
}

TEST(SelectorTest, ColdVariantWhoseLoadFitsTheSloIsSelectedWithALoad) {
  ClusterSnapshot cluster = Cluster({Worker("w1")});
  cluster.measured_load_ms.Set("lenet5_onnx_cpu1_b1", 100);
  cluster.measured_load_ms.Set("lenet5_torchscript_cpu4_b8", 50);
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 200), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_onnx_cpu1_b1");
  EXPECT_TRUE(d.selection->needs_load);
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 102.0);
  EXPECT_THAT(d.selection->reason, HasSubstr("load 100 ms + inference 2 ms"));
  EXPECT_FALSE(d.background_load.has_value());
}

TEST(SelectorTest, TightSloServesTheLoadedVariantAndLoadsTheCheaperOneInTheBackground) {
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_torchscript_cpu4_b8")}, 1024 * kMiB, /*cpu_utilization=*/0.5),
       Worker("w2")});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  EXPECT_FALSE(d.selection->needs_load);
  ASSERT_TRUE(d.background_load.has_value());
  EXPECT_EQ(d.background_load->variant, "lenet5_onnx_cpu1_b1");
  EXPECT_EQ(d.background_load->worker_id, "w2");              // w1 is busier
  EXPECT_DOUBLE_EQ(d.background_load->load_latency_ms, 300);  // 3 x the unmeasured 100 ms
}

TEST(SelectorTest, ColdVariantThatOnlyFitsWarmIsUnavailableAndLoadsInTheBackground) {
  ClusterSnapshot cluster = Cluster({Worker("w1")});
  cluster.measured_load_ms.Set("lenet5_onnx_cpu1_b1", 100);
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), cluster);
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(d.selection.status().message(),
              AllOf(HasSubstr("no variant of lenet5 meets 5 ms at batch 1 right now"),
                    HasSubstr("lenet5_onnx_cpu1_b1 would take 2 ms warm but needs a 100 ms load"),
                    HasSubstr("retry in about 100 ms")));
  EXPECT_DOUBLE_EQ(d.retry_after_ms, 100);  // for the caller to wait, not only to read
  ASSERT_TRUE(d.background_load.has_value());
  EXPECT_EQ(d.background_load->variant, "lenet5_onnx_cpu1_b1");
}

TEST(SelectorTest, WhileAQualifyingVariantLoadsNoSiblingStartsLoading) {
  // lenet5_onnx_cpu1_b1 loads on w1; the 4-thread sibling would also qualify
  // warm, but the queries wait for the load in flight.
  SelectorDecision d = SelectVariant(
      ByArchitecture("lenet5", 5), Zoo(),
      Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 0, /*loading=*/true)}), Worker("w2")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(d.background_load.has_value()) << d.background_load->variant;
  // Until the load in flight would meet the target.
  EXPECT_GT(d.retry_after_ms, 0);
}

TEST(SelectorTest, AQueryForAVariantWhoseFirstInstanceLoadsWaitsForThatLoad) {
  SelectorDecision d =
      SelectVariant(ByArchitecture("lenet5", 500), Zoo(),
                    Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 0, /*loading=*/true)})}));
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_FALSE(d.selection->needs_load);
  EXPECT_TRUE(d.selection->wait_for_load);
}

TEST(SelectorTest, AVariantLoadingMoreInstancesServesMeanwhile) {
  LoadedVariant growing = Loaded("lenet5_onnx_cpu1_b1");
  growing.loading = true;  // one instance serves, another loads
  SelectorDecision d =
      SelectVariant(ByArchitecture("lenet5", 5), Zoo(), Cluster({Worker("w1", {growing})}));
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_FALSE(d.selection->wait_for_load);
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 2.0);  // no load latency added
}

TEST(SelectorTest, QueuedWorkPushesThePredictionOverTheSloOntoAnotherWorker) {
  ClusterSnapshot cluster = Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 3)}),
                                     Worker("w2", {Loaded("lenet5_onnx_cpu1_b1", 0)}, 1024 * kMiB,
                                            /*cpu_utilization=*/0.9)});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "w2");
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 2.0);
}

TEST(SelectorTest, QueuedWorkPushesThePredictionOverTheSloOntoAnotherVariant) {
  ClusterSnapshot cluster = Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 3)}),
                                     Worker("w2", {Loaded("lenet5_torchscript_cpu4_b8")})});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");  // ONNX predicts 2 + 3 x 2 ms
}

TEST(SelectorTest, BusyInstancesWithNoRoomToLoadAreRefusedAtOnceForOverload) {
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 3), Loaded("lenet5_torchscript_cpu4_b8", 8)},
              /*free_memory=*/0)});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), cluster);
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kResourceExhausted);
  // The torchscript variant predicts 4.5 (eight inputs in one batch) + 1 ms.
  EXPECT_THAT(d.selection.status().message(),
              HasSubstr("lenet5_torchscript_cpu4_b8 on w1 takes 1 ms there now with 8 inputs "
                        "queued ahead (predicts 5.5 ms); refused at once, retry in about 1 ms"));
  EXPECT_DOUBLE_EQ(d.retry_after_ms, 1);
  EXPECT_FALSE(d.background_load.has_value());
}

TEST(SelectorTest, OverloadedInstanceIsAvoidedWhileAnotherQualifies) {
  ClusterSnapshot cluster = Cluster({Worker("w1", {Loaded("lenet5_onnx_cpu1_b1", 20)}),
                                     Worker("w2", {Loaded("lenet5_torchscript_cpu4_b8")})});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 1000), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  EXPECT_EQ(d.selection->worker_id, "w2");
}

TEST(SelectorTest, LoadGoesToTheWorkerWithTheMostFreeMemoryThatFitsTheVariant) {
  Catalogue zoo = Zoo();
  for (v1::VariantRecord& r : zoo.variants) r.mutable_profile()->set_peak_memory_bytes(256 * kMiB);
  ClusterSnapshot cluster = Cluster({Worker("small", {}, 200 * kMiB, /*cpu_utilization=*/0),
                                     Worker("medium", {}, 300 * kMiB, /*cpu_utilization=*/0.9),
                                     Worker("large", {}, 900 * kMiB, /*cpu_utilization=*/0.5)});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 200), zoo, cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "large");
  // Without "large": "small" has the idle cores "medium" lacks, but not the memory.
  cluster.workers.pop_back();
  d = SelectVariant(ByArchitecture("lenet5", 200), zoo, cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->worker_id, "medium");
}

TEST(SelectorTest, FamilyQueryWithAStrictAccuracyPicksTheAccurateVariant) {
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_onnx_cpu1_b1"), Loaded("lenet5_torchscript_cpu4_b8"),
                     Loaded("mlp_onnx_cpu1_b1"), Loaded("resnet_mini_torchscript_cpu2_b1")})});
  SelectorDecision any = SelectVariant(ByFamily(0, 10), Zoo(), cluster);
  ASSERT_TRUE(any.selection.ok()) << any.selection.status();
  EXPECT_EQ(any.selection->variant, "mlp_onnx_cpu1_b1");
  SelectorDecision strict = SelectVariant(ByFamily(92, 10), Zoo(), cluster);
  ASSERT_TRUE(strict.selection.ok()) << strict.selection.status();
  EXPECT_EQ(strict.selection->variant, "resnet_mini_torchscript_cpu2_b1");
  EXPECT_DOUBLE_EQ(strict.selection->accuracy_percent, 92.1);
  EXPECT_THAT(strict.selection->reason, HasSubstr("accuracy 92.1% >= 92%"));
}

TEST(SelectorTest, ImpossibleSloFailsNamingTheFastestVariant) {
  SelectorDecision d =
      SelectVariant(ByArchitecture("lenet5", 0.01), Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(d.selection.status().message(),
            "no variant of lenet5 meets 0.01 ms at batch 1: the fastest, "
            "lenet5_torchscript_cpu4_b8, predicts 1 ms");
  EXPECT_FALSE(d.background_load.has_value());
}

TEST(SelectorTest, ImpossibleAccuracyFailsNamingTheNearestTradeOffs) {
  SelectorDecision d = SelectVariant(ByFamily(99, 1), Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(d.selection.status().message(),
            "no variant for classification/fashion-mnist meets accuracy >= 99% within 1 ms at "
            "batch 1: the most accurate is resnet_mini_torchscript_cpu2_b1 (92.1%, 3.1 ms); the "
            "most accurate within 1 ms is lenet5_torchscript_cpu4_b8 (90%)");
  d = SelectVariant(ByFamily(92, 1), Zoo(), Cluster({Worker("w1")}));
  EXPECT_THAT(d.selection.status().message(),
              HasSubstr("the fastest with accuracy >= 92% is resnet_mini_torchscript_cpu2_b1 "
                        "(3.1 ms)"));
  // A requirement just short of 100% is not rounded up to it.
  d = SelectVariant(ByFamily(99.99, 1), Zoo(), Cluster({Worker("w1")}));
  EXPECT_THAT(d.selection.status().message(), HasSubstr("meets accuracy >= 99.99% within"));
}

TEST(SelectorTest, BatchAboveEveryMaxBatchOfTheArchitectureIsInvalid) {
  QueryRequirements q = ByArchitecture("lenet5", 100);
  q.batch_size = 16;
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.selection.status().message(),
              HasSubstr("batch 16 exceeds the max batch of every variant of lenet5 (the largest "
                        "is 8)"));
}

TEST(SelectorTest, LargerBatchesGoToAVariantThatTakesThem) {
  QueryRequirements q = ByArchitecture("lenet5", 100);
  q.batch_size = 3;
  ClusterSnapshot cluster = Cluster(
      {Worker("w1", {Loaded("lenet5_onnx_cpu1_b1"), Loaded("lenet5_torchscript_cpu4_b8")})});
  SelectorDecision d = SelectVariant(q, Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 2.0);  // interpolated at batch 3
}

TEST(SelectorTest, InputDimsMatchingNoVariantOfTheArchitectureAreInvalid) {
  QueryRequirements q = ByArchitecture("lenet5", 100);
  q.input_dims = {3, 224, 224};
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.selection.status().message(),
            "-d 3,224,224 does not match the input of any variant of lenet5: [1,28,28]");
}

TEST(SelectorTest, UnknownArchitectureIsNotFoundNamingTheRegisteredOnes) {
  SelectorDecision d = SelectVariant(ByArchitecture("lenet", 10), Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(d.selection.status().message(),
              AllOf(HasSubstr("unknown architecture \"lenet\"; registered: lenet5 "
                              "(classification/fashion-mnist), mlp"),
                    HasSubstr("infaas modarch TASK DATASET")));
}

TEST(SelectorTest, UnknownFamilyIsNotFoundNamingTheRegisteredFamilies) {
  QueryRequirements q = ByFamily(0, 10);
  q.dataset = "imagenet";
  SelectorDecision d = SelectVariant(q, Zoo(), Cluster({Worker("w1")}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(d.selection.status().message(),
            "no models registered for task \"classification\" and dataset \"imagenet\"; "
            "registered families (task/dataset): classification/fashion-mnist");
}

// --- The latency model and admission control ---------------------------------

TEST(SelectorTest, ExecutionTimesTheWorkerMeasuredOutweighTheProfile) {
  // resnet_mini was profiled at 3.1 ms; on w1 it runs at 30 ms now (a busy
  // neighbour): a 20 ms target is refused at once, not queued there.
  LoadedVariant slow = Loaded("resnet_mini_torchscript_cpu2_b1");
  slow.execution = {{.batch_size = 1, .median_ms = 30, .p99_ms = 35, .samples = 40}};
  SelectorDecision d =
      SelectVariant(ByArchitecture("resnet_mini", 20), Zoo(), Cluster({Worker("w1", {slow})}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(d.selection.status().message(),
              AllOf(HasSubstr("resnet_mini_torchscript_cpu2_b1 on w1 takes"),
                    HasSubstr("refused at once, retry in about")));
  EXPECT_GT(d.retry_after_ms, 0);
}

std::shared_ptr<RouterMarks> InFlight(int queries, int64_t examples) {
  auto count = std::make_shared<RouterMarks>();
  count->queries = queries;
  count->examples = examples;
  return count;
}

TEST(SelectorTest, QueriesInFlightCountBeforeAHeartbeatReportsThem) {
  LoadedVariant busy = Loaded("resnet_mini_torchscript_cpu2_b1");
  busy.marks = InFlight(10, 10);  // 10 x 3.1 ms ahead
  SelectorDecision d =
      SelectVariant(ByArchitecture("resnet_mini", 20), Zoo(), Cluster({Worker("w1", {busy})}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NEAR(d.retry_after_ms, 31 + 3.1 - 20, 1e-9);
  EXPECT_THAT(
      d.selection.status().message(),
      HasSubstr("met now with a latency target of 35 ms (resnet_mini_torchscript_cpu2_b1)"));
}

TEST(SelectorTest, AnOverloadedVariantsQueriesGoToASiblingThatStillMeetsTheAccuracy) {
  // The cheap lenet5 variant has 40 ms of work queued; the 4-thread one is idle.
  LoadedVariant cheap = Loaded("lenet5_onnx_cpu1_b1");
  cheap.marks = InFlight(20, 20);
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {cheap, Loaded("lenet5_torchscript_cpu4_b8")}, 0)});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 10), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
}

TEST(SelectorTest, ARefusalForOverloadNamesAFasterLessAccurateAlternative) {
  LoadedVariant busy = Loaded("resnet_mini_torchscript_cpu2_b1");
  busy.marks = InFlight(10, 10);
  ClusterSnapshot cluster = Cluster({Worker("w1", {busy, Loaded("mlp_onnx_cpu1_b1")}, 0)});
  SelectorDecision d = SelectVariant(ByFamily(92, 20), Zoo(), cluster);
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(d.selection.status().message(),
              HasSubstr("met now with less accuracy: mlp_onnx_cpu1_b1 (84%)"));
}

TEST(SelectorTest, TheLearnedCallOverheadCountsInThePrediction) {
  WorkerSnapshot w = Worker("w1", {Loaded("lenet5_onnx_cpu1_b1")});
  w.call_overhead_ms = 0.5;
  SelectorDecision d = SelectVariant(ByVariant("lenet5_onnx_cpu1_b1"), Zoo(), Cluster({w}));
  ASSERT_TRUE(d.selection.ok());
  EXPECT_DOUBLE_EQ(d.selection->predicted_latency_ms, 2.5);
  EXPECT_DOUBLE_EQ(d.selection->call_overhead_ms, 0.5);
}

TEST(SelectorTest, AQueryQualifiesOnlyIfItFitsTheBudgetTheWorkerWillHoldItTo) {
  // The router keeps the way back's p90 out of the budget it sends; a
  // variant that fits the SLO only with the median way back would be
  // refused by the worker, every time. lenet5_onnx: 2 ms warm.
  WorkerSnapshot w = Worker("w1", {Loaded("lenet5_onnx_cpu1_b1")});
  w.call_overhead_ms = 0.5;
  w.call_overhead_p90_ms = 3.5;
  SelectorDecision fits = SelectVariant(ByArchitecture("lenet5", 6), Zoo(), Cluster({w}));
  ASSERT_TRUE(fits.selection.ok()) << fits.selection.status();
  EXPECT_DOUBLE_EQ(fits.selection->predicted_latency_ms, 2.5);  // the median way back
  SelectorDecision late = SelectVariant(ByArchitecture("lenet5", 5), Zoo(), Cluster({w}));
  EXPECT_FALSE(late.selection.ok() && late.selection->variant == "lenet5_onnx_cpu1_b1" &&
               late.selection->worker_id == "w1")
      << "2 ms + 3.5 ms p90 way back exceeds 5 ms";
}

TEST(SelectorTest, AVariantTheWorkerRefusedLatelyIsAvoidedWhileAnotherQualifies) {
  LoadedVariant refusing = Loaded("lenet5_onnx_cpu1_b1");
  refusing.refused_recently = true;
  ClusterSnapshot cluster =
      Cluster({Worker("w1", {refusing}), Worker("w2", {Loaded("lenet5_torchscript_cpu4_b8")})});
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 1000), Zoo(), cluster);
  ASSERT_TRUE(d.selection.ok()) << d.selection.status();
  EXPECT_EQ(d.selection->variant, "lenet5_torchscript_cpu4_b8");
  // With nothing else (no room to load another), it still serves: the
  // refusal was a disagreement, not a verdict.
  SelectorDecision alone = SelectVariant(ByArchitecture("lenet5", 1000), Zoo(),
                                         Cluster({Worker("w1", {refusing}, /*free_memory=*/0)}));
  ASSERT_TRUE(alone.selection.ok()) << alone.selection.status();
  EXPECT_EQ(alone.selection->variant, "lenet5_onnx_cpu1_b1");
}

TEST(SelectorTest, AColdLoadFitsOnlyWithTheLoadTimeMeasuredOnTheCluster) {
  // Profiled: a 50 ms load. Measured on this cluster at 50 ms it fits a
  // 150 ms target; measured at 400 ms it does not.
  ClusterSnapshot cluster = Cluster({Worker("w1")});
  QueryRequirements q = ByArchitecture("lenet5", 150);
  q.min_accuracy_percent = 0;
  Catalogue zoo;
  zoo.variants.push_back(Zoo().variants[1]);  // lenet5_torchscript_cpu4_b8, 50 ms load
  // Never loaded here: three times the profile's 50 ms, which does not fit.
  EXPECT_EQ(SelectVariant(q, zoo, cluster).selection.status().code(),
            absl::StatusCode::kUnavailable);
  cluster.measured_load_ms.Set("lenet5_torchscript_cpu4_b8", 50);
  SelectorDecision fits = SelectVariant(q, zoo, cluster);
  ASSERT_TRUE(fits.selection.ok()) << fits.selection.status();
  EXPECT_TRUE(fits.selection->needs_load);
  cluster.measured_load_ms.Set("lenet5_torchscript_cpu4_b8", 400);
  SelectorDecision measured = SelectVariant(q, zoo, cluster);
  EXPECT_EQ(measured.selection.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(measured.background_load.has_value());
  EXPECT_EQ(measured.background_load->variant, "lenet5_torchscript_cpu4_b8");
}

TEST(SelectorTest, NoLiveWorkerIsUnavailable) {
  SelectorDecision d = SelectVariant(ByArchitecture("lenet5", 10), Zoo(), Cluster({}));
  EXPECT_EQ(d.selection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(d.selection.status().message(), HasSubstr("no live workers; start one with"));
  EXPECT_EQ(d.retry_after_ms, 0);  // nothing to wait for
}

TEST(SelectorTest, MalformedRequirementsAreInvalid) {
  auto code = [](const QueryRequirements& q) {
    return SelectVariant(q, Zoo(), Cluster({Worker("w1")})).selection.status().code();
  };
  EXPECT_EQ(code(QueryRequirements{}), absl::StatusCode::kInvalidArgument);          // no form
  EXPECT_EQ(code(ByArchitecture("lenet5", 0)), absl::StatusCode::kInvalidArgument);  // no SLO
  QueryRequirements mixed = ByArchitecture("lenet5", 10);
  mixed.variant = "lenet5_onnx_cpu1_b1";
  EXPECT_EQ(code(mixed), absl::StatusCode::kInvalidArgument);
  QueryRequirements half_family = ByFamily(0, 10);
  half_family.dataset.clear();
  EXPECT_EQ(code(half_family), absl::StatusCode::kInvalidArgument);
  QueryRequirements no_inputs = ByVariant("lenet5_onnx_cpu1_b1");
  no_inputs.batch_size = 0;
  EXPECT_EQ(code(no_inputs), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::controller
