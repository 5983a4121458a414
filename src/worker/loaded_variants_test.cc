#include "worker/loaded_variants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/files.h"
#include "worker/testing/fake_model.h"

namespace infaas::worker {
namespace {

using ::testing::ElementsAre;
using testing::FakeLoader;
using testing::FakeLoaderState;
using testing::FakeVariantRecord;
using ::testing::HasSubstr;

using Inputs = google::protobuf::RepeatedPtrField<v1::InputTensor>;

// Raw float32 inputs, one per example.
Inputs RawInputs(const std::vector<std::vector<float>>& examples) {
  Inputs inputs;
  for (const std::vector<float>& values : examples) {
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());
    inputs.Add()->set_raw_fp32(bytes);
  }
  return inputs;
}

class LoadedVariantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto variants = LoadedVariants::Create({.worker_id = "w1",
                                            .repository_root = "/nonexistent",
                                            .loader = FakeLoader(state_),
                                            .clock = &clock_});
    ASSERT_TRUE(variants.ok()) << variants.status();
    variants_ = *std::move(variants);
  }

  FakeClock clock_;
  std::shared_ptr<FakeLoaderState> state_ = std::make_shared<FakeLoaderState>();
  std::unique_ptr<LoadedVariants> variants_;
};

TEST_F(LoadedVariantsTest, LoadsAVariantAndAnswersRawInputsInOrder) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok());
  absl::StatusOr<InferResult> result =
      variants_->InferAndWait("fake_b8", RawInputs({{1, 2}, {3, 4}}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->outputs.shape, ElementsAre(2, 2));
  EXPECT_THAT(result->outputs.data, ElementsAre(2, 3, 4, 5));
  EXPECT_THAT(variants_->Names(), ElementsAre("fake_b8"));
}

TEST_F(LoadedVariantsTest, OfflineQueriesAreDecodedAsideAndReportedApartFromOnlineLoad) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok());
  const Inputs good = RawInputs({{1, 2}, {3, 4}});
  const Inputs bad = RawInputs({{1, 2, 3}});  // three values for a two-value input
  absl::Notification good_done, bad_done;
  absl::StatusOr<InferResult> good_result, bad_result;
  variants_->Infer(
      "fake_b8", good, absl::InfiniteFuture(),
      [&](absl::StatusOr<InferResult> r) {
        good_result = std::move(r);
        good_done.Notify();
      },
      Priority::kOffline);
  variants_->Infer(
      "fake_b8", bad, absl::InfiniteFuture(),
      [&](absl::StatusOr<InferResult> r) {
        bad_result = std::move(r);
        bad_done.Notify();
      },
      Priority::kOffline);
  good_done.WaitForNotification();
  bad_done.WaitForNotification();
  ASSERT_TRUE(good_result.ok()) << good_result.status();
  EXPECT_THAT(good_result->outputs.data, ElementsAre(2, 3, 4, 5));
  EXPECT_EQ(bad_result.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<infaas::worker_rpc::VariantLoad> loads = variants_->Loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].queue_length(), 0);
  EXPECT_EQ(loads[0].offline_queue_length(), 0);
  EXPECT_EQ(loads[0].served_qps(), 0);  // offline work is not online load
}

TEST_F(LoadedVariantsTest, AnswersNotFoundForAVariantThatIsNotLoaded) {
  absl::StatusOr<InferResult> result = variants_->InferAndWait("nope", RawInputs({{1, 2}}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("variant nope is not loaded on worker w1"));
  EXPECT_EQ(variants_->Unload("nope").code(), absl::StatusCode::kNotFound);
}

TEST_F(LoadedVariantsTest, LoadsAVariantOnceWhenTwoLoadsOverlap) {
  absl::Notification gate;
  state_->gate = &gate;
  std::thread first([&] { EXPECT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok()); });
  state_->first_load_started.WaitForNotification();
  // While the load runs the variant is known but does not serve yet.
  EXPECT_EQ(variants_->InferAndWait("fake_b8", RawInputs({{1, 2}})).status().code(),
            absl::StatusCode::kUnavailable);
  std::vector<infaas::worker_rpc::VariantLoad> loads = variants_->Loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_TRUE(loads[0].loading());
  EXPECT_EQ(loads[0].instances(), 0);
  std::thread second([&] { EXPECT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok()); });
  gate.Notify();
  first.join();
  second.join();
  EXPECT_EQ(state_->loads.load(), 1);
  EXPECT_TRUE(variants_->InferAndWait("fake_b8", RawInputs({{1, 2}})).ok());
}

TEST_F(LoadedVariantsTest, LoadsOnlyTheMissingInstancesWhenAskedForMore) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok());
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 3).ok());
  absl::StatusOr<absl::Duration> again = variants_->Load(FakeVariantRecord("fake_b8"), 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, absl::ZeroDuration());
  EXPECT_EQ(state_->loads.load(), 3);
  ASSERT_EQ(variants_->Loads().size(), 1u);
  EXPECT_EQ(variants_->Loads()[0].instances(), 3);
}

TEST_F(LoadedVariantsTest, LeavesNothingLoadedWhenALoadFails) {
  state_->failing_variant = "broken";
  absl::StatusOr<absl::Duration> load = variants_->Load(FakeVariantRecord("broken"), 2);
  EXPECT_EQ(load.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(variants_->Names().empty());
  EXPECT_EQ(variants_->InferAndWait("broken", RawInputs({{1, 2}})).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(LoadedVariantsTest, RejectsARecordWhoseRepositoryModelCouldEscapeTheRoot) {
  v1::VariantRecord record = FakeVariantRecord("fake_b8");
  record.set_repository_model("../etc");
  EXPECT_EQ(variants_->Load(record, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(variants_->Load(FakeVariantRecord("fake_b8"), -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state_->loads.load(), 0);
}

TEST_F(LoadedVariantsTest, AModelFileChangedSinceRegistrationIsNeverLoaded) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / absl::StrCat("infaas-verify-", ::getpid());
  std::filesystem::create_directories(root / "fake");
  ASSERT_TRUE(WriteFileAtomically(root / "fake/model.bin", "registered bytes").ok());
  auto variants = LoadedVariants::Create(
      {.worker_id = "w1", .repository_root = root, .loader = FakeLoader(state_)});
  ASSERT_TRUE(variants.ok());
  v1::VariantRecord record = FakeVariantRecord("fake_b8");
  record.set_repository_model("fake");
  v1::ModelFile* file = record.add_files();
  file->set_path("model.bin");
  file->set_sha256(Sha256OfBytes("registered bytes"));
  ASSERT_TRUE((*variants)->Load(record, 1).ok());
  ASSERT_TRUE((*variants)->Unload("fake_b8", 0).ok());

  ASSERT_TRUE(WriteFileAtomically(root / "fake/model.bin", "swapped bytes").ok());
  absl::Status changed = (*variants)->Load(record, 1).status();
  EXPECT_EQ(changed.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(changed.message()), HasSubstr("fake/model.bin has changed"));
  file->set_path("../../etc/passwd");
  EXPECT_EQ((*variants)->Load(record, 1).status().code(), absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(root);
}

TEST_F(LoadedVariantsTest, RejectsAnInputThatDoesNotDecodeNamingItsIndexAndTheVariant) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 1).ok());
  absl::StatusOr<InferResult> short_input =
      variants_->InferAndWait("fake_b8", RawInputs({{1, 2}, {3}}));
  EXPECT_EQ(short_input.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_input.status().message(), HasSubstr("variant fake_b8: input 1"));

  Inputs empty = RawInputs({{1, 2}});
  empty.Add();
  absl::StatusOr<InferResult> unset = variants_->InferAndWait("fake_b8", empty);
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unset.status().message(), HasSubstr("input 1 is empty"));

  EXPECT_EQ(variants_->InferAndWait("fake_b8", Inputs()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(variants_->InferAndWait("fake_b8", RawInputs({{1, 2}})).ok());
}

TEST_F(LoadedVariantsTest, RejectsMoreInputsThanTheMaxBatchBeforeDecoding) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b2", 2), 1).ok());
  absl::StatusOr<InferResult> result =
      variants_->InferAndWait("fake_b2", RawInputs({{1, 2}, {3, 4}, {5, 6}}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("max batch size 2"));
}

TEST_F(LoadedVariantsTest, SendsAQueryToTheInstanceWithTheShortestQueue) {
  state_->hold_runs = true;
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 2).ok());
  const std::vector<testing::FakeModel*> models = state_->models();
  ASSERT_EQ(models.size(), 2u);
  absl::Notification first_done, second_done;
  const Inputs inputs = RawInputs({{1, 2}});
  variants_->Infer("fake_b8", inputs, absl::InfiniteFuture(),
                   [&](absl::StatusOr<InferResult>) { first_done.Notify(); });
  variants_->Infer("fake_b8", inputs, absl::InfiniteFuture(),
                   [&](absl::StatusOr<InferResult>) { second_done.Notify(); });
  // Each instance got one: both runs start although neither finishes.
  models[0]->AwaitRunsStarted(1);
  models[1]->AwaitRunsStarted(1);
  models[0]->ReleaseRuns();
  models[1]->ReleaseRuns();
  first_done.WaitForNotification();
  second_done.WaitForNotification();
}

TEST_F(LoadedVariantsTest, UnloadDrainsTheVariantAndForgetsIt) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 2).ok());
  ASSERT_TRUE(variants_->Unload("fake_b8").ok());
  EXPECT_TRUE(variants_->Names().empty());
  EXPECT_EQ(variants_->InferAndWait("fake_b8", RawInputs({{1, 2}})).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(variants_->Unload("fake_b8").code(), absl::StatusCode::kNotFound);
}

TEST_F(LoadedVariantsTest, ScalesDownToTheInstancesKeptWithoutLosingQueuedQueries) {
  state_->hold_runs = true;
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b8"), 2).ok());
  const std::vector<testing::FakeModel*> models = state_->models();
  ASSERT_EQ(models.size(), 2u);
  // One query runs (held) on each instance, one more waits behind each.
  std::vector<std::unique_ptr<absl::Notification>> answered;
  std::vector<absl::StatusOr<InferResult>> results(4);
  for (int i = 0; i < 4; ++i) {
    answered.push_back(std::make_unique<absl::Notification>());
    variants_->Infer("fake_b8", RawInputs({{static_cast<float>(i), 0}}), absl::InfiniteFuture(),
                     [&, i](absl::StatusOr<InferResult> r) {
                       results[i] = std::move(r);
                       answered[i]->Notify();
                     });
    if (i < 2) models[i]->AwaitRunsStarted(1);
  }
  std::thread scale_down([&] { EXPECT_TRUE(variants_->Unload("fake_b8", 1).ok()); });
  models[0]->ReleaseRuns();
  models[1]->ReleaseRuns();
  scale_down.join();
  for (int i = 0; i < 4; ++i) {
    answered[i]->WaitForNotification();
    ASSERT_TRUE(results[i].ok()) << "query " << i << ": " << results[i].status();
    EXPECT_EQ(results[i]->outputs.data[0], static_cast<float>(i) + 1);
  }
  std::vector<infaas::worker_rpc::VariantLoad> loads = variants_->Loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].instances(), 1);
  EXPECT_TRUE(variants_->InferAndWait("fake_b8", RawInputs({{1, 2}})).ok());
  // Keeping more than are loaded changes nothing; a negative count is refused.
  EXPECT_TRUE(variants_->Unload("fake_b8", 5).ok());
  EXPECT_EQ(variants_->Loads()[0].instances(), 1);
  EXPECT_EQ(variants_->Unload("fake_b8", -1).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LoadedVariantsTest, ReportsRecentLoadPerVariantForHeartbeats) {
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_a"), 1).ok());
  ASSERT_TRUE(variants_->Load(FakeVariantRecord("fake_b"), 2).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(variants_->InferAndWait("fake_b", RawInputs({{1, 2}})).ok());
  }
  std::vector<infaas::worker_rpc::VariantLoad> loads = variants_->Loads();
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0].variant(), "fake_a");
  EXPECT_EQ(loads[0].served_qps(), 0);
  EXPECT_EQ(loads[1].variant(), "fake_b");
  EXPECT_EQ(loads[1].instances(), 2);
  EXPECT_FALSE(loads[1].loading());
  EXPECT_EQ(loads[1].queue_length(), 0);
  EXPECT_DOUBLE_EQ(loads[1].arrival_qps(), 3.0);  // within the first second
  EXPECT_DOUBLE_EQ(loads[1].served_qps(), 3.0);
  EXPECT_DOUBLE_EQ(loads[1].average_batch(), 1.0);

  clock_.Advance(absl::Seconds(10));  // the window forgets
  loads = variants_->Loads();
  EXPECT_EQ(loads[1].served_qps(), 0);
  EXPECT_EQ(loads[1].average_batch(), 0);
}

}  // namespace
}  // namespace infaas::worker
