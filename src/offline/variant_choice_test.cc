#include "offline/variant_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace infaas::offline {
namespace {

using ::testing::HasSubstr;

v1::VariantRecord Variant(const std::string& name, const std::string& arch, int threads,
                          int max_batch, double batch1_ms, double accuracy) {
  v1::VariantRecord r;
  v1::ModelConfig* c = r.mutable_config();
  c->set_name(name);
  c->set_task("classification");
  c->set_dataset("fashion-mnist");
  c->set_architecture(arch);
  c->set_max_batch_size(max_batch);
  c->set_cpu_threads(threads);
  v1::VariantProfile* p = r.mutable_profile();
  p->set_variant(name);
  p->set_load_latency_ms(100);
  p->set_peak_memory_bytes(1 << 20);
  p->set_accuracy_percent(accuracy);
  for (int b = 1; b <= max_batch; b *= 2) {
    v1::BatchLatency* l = p->add_latency();
    l->set_batch_size(b);
    l->set_median_ms(batch1_ms * (1 + 0.5 * (b - 1)));
  }
  return r;
}

controller::Catalogue Zoo() {
  controller::Catalogue zoo;
  zoo.variants.push_back(Variant("lenet5_torchscript_cpu1_b1", "lenet5", 1, 1, 0.2, 91));
  zoo.variants.push_back(Variant("lenet5_torchscript_cpu1_b8", "lenet5", 1, 8, 0.2, 91));
  zoo.variants.push_back(Variant("lenet5_torchscript_cpu2_b8", "lenet5", 2, 8, 0.15, 91));
  zoo.variants.push_back(Variant("vgg_mini_torchscript_cpu1_b1", "vgg_mini", 1, 1, 1.0, 93));
  zoo.variants.push_back(Variant("linear_torchscript_cpu1_b8", "linear", 1, 8, 0.01, 84));
  return zoo;
}

controller::ClusterSnapshot OneIdleWorker() {
  controller::ClusterSnapshot cluster;
  controller::WorkerSnapshot w;
  w.id = "worker-1";
  w.address = "127.0.0.1:1";
  w.cores = 4;
  w.free_memory_bytes = int64_t{8} << 30;
  cluster.workers.push_back(w);
  return cluster;
}

v1::OfflineRequirements ByArchitecture(const std::string& arch) {
  v1::OfflineRequirements r;
  r.set_architecture(arch);
  return r;
}

TEST(VariantChoiceTest, AnArchitecturePicksItsCheapestBatchingVariant) {
  absl::StatusOr<std::string> v =
      ChooseOfflineVariant(ByArchitecture("lenet5"), Zoo(), OneIdleWorker());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "lenet5_torchscript_cpu1_b8");
}

TEST(VariantChoiceTest, AnArchitectureWithoutABatchingVariantRunsAtBatchOne) {
  absl::StatusOr<std::string> v =
      ChooseOfflineVariant(ByArchitecture("vgg_mini"), Zoo(), OneIdleWorker());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "vgg_mini_torchscript_cpu1_b1");
}

TEST(VariantChoiceTest, ANamedVariantIsKeptEvenWithoutBatching) {
  v1::OfflineRequirements r;
  r.set_variant("lenet5_torchscript_cpu1_b1");
  absl::StatusOr<std::string> v = ChooseOfflineVariant(r, Zoo(), OneIdleWorker());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "lenet5_torchscript_cpu1_b1");
}

TEST(VariantChoiceTest, TaskDatasetAndAccuracyChooseTheArchitectureToo) {
  v1::OfflineRequirements r;
  r.set_task("classification");
  r.set_dataset("fashion-mnist");
  r.set_min_accuracy_percent(90);
  absl::StatusOr<std::string> v = ChooseOfflineVariant(r, Zoo(), OneIdleWorker());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "lenet5_torchscript_cpu1_b8");  // linear is too inaccurate, vgg_mini dearer
}

TEST(VariantChoiceTest, UnknownNamesFailForGoodButNoWorkerIsTransient) {
  absl::StatusOr<std::string> unknown =
      ChooseOfflineVariant(ByArchitecture("resnet50"), Zoo(), OneIdleWorker());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("lenet5"));
  EXPECT_FALSE(IsTransientChoiceError(unknown.status()));

  absl::StatusOr<std::string> no_worker =
      ChooseOfflineVariant(ByArchitecture("lenet5"), Zoo(), controller::ClusterSnapshot());
  EXPECT_EQ(no_worker.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsTransientChoiceError(no_worker.status()));

  absl::StatusOr<std::string> none =
      ChooseOfflineVariant(v1::OfflineRequirements(), Zoo(), OneIdleWorker());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::offline
