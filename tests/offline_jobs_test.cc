// Offline jobs end to end: a real infaas-master and two infaas-workers on
// loopback, real zoo models and sample images, a real SQLite store. A job's
// input folder is made of the zoo's samples copied under distinct names
// (each name keeps the sample's class, so every result can be checked).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "testing/small_disk.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kSummary[] = "infaas-summary.json";

std::vector<fs::path> Samples() { return SampleImages(); }

// `copies` copies of every sample: <sample stem>_<k>.png.
void FillWithSamples(const fs::path& folder, int copies) {
  fs::create_directories(folder);
  for (const fs::path& sample : Samples()) {
    for (int k = 0; k < copies; ++k) {
      fs::copy_file(sample, folder / absl::StrFormat("%s_%04d.png", sample.stem().string(), k));
    }
  }
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Result file name -> its parsed contents.
std::map<std::string, v1::OfflineResult> ReadResults(const fs::path& folder) {
  std::map<std::string, v1::OfflineResult> results;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (name == kSummary || e.path().extension() != ".json") continue;
    v1::OfflineResult result;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(ReadBytes(e.path()), &result).ok())
        << name;
    results[name] = result;
  }
  return results;
}

// Every .png in `input` has exactly one result naming it, whose best class is
// the sample's true class. Returns how many were checked.
int ExpectCorrectResultForEveryImage(const fs::path& input, const fs::path& output) {
  std::map<std::string, v1::OfflineResult> results = ReadResults(output);
  int checked = 0;
  for (const auto& e : fs::directory_iterator(input)) {
    if (e.path().extension() != ".png") continue;
    const std::string result_name = e.path().stem().string() + ".json";
    auto it = results.find(result_name);
    if (it == results.end()) {
      ADD_FAILURE() << "no result for " << e.path().filename();
      continue;
    }
    EXPECT_EQ(it->second.input(), e.path().filename().string());
    EXPECT_FALSE(it->second.top().empty()) << result_name;
    if (!it->second.top().empty()) {
      EXPECT_EQ(it->second.top(0).index(), TrueClassOf(e.path())) << result_name;
    }
    ++checked;
  }
  return checked;
}

int CountFiles(const fs::path& folder, const std::string& extension) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(folder)) n += e.path().extension() == extension;
  return n;
}

bool Ended(const v1::OfflineJob& job) {
  return job.state() == v1::OfflineJob::STATE_DONE || job.state() == v1::OfflineJob::STATE_FAILED ||
         job.state() == v1::OfflineJob::STATE_CANCELLED;
}

// The tests that leave the cluster as they found it share one.
class OfflineJobTest : public ::testing::Test {
 protected:
  static absl::StatusOr<std::unique_ptr<TestCluster>> StartCluster() {
    return TestCluster::Start({.workers = 2, .zoo_models = {"lenet5", "vgg_mini"}});
  }
  static void SetUpTestSuite() {
    auto started = StartCluster();
    ASSERT_TRUE(started.ok()) << started.status();
    shared_ = started->release();
  }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(shared_, nullptr);
    cluster_ = shared_;
  }

  fs::path Folder(const std::string& name) { return cluster_->dir() / name; }

  absl::StatusOr<std::string> Submit(const fs::path& input, const fs::path& output,
                                     const std::string& architecture) {
    v1::SubmitOfflineJobRequest request;
    request.set_input_url(absl::StrCat("file://", input.string()));
    request.set_output_url(output.string());
    request.mutable_requirements()->set_architecture(architecture);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::SubmitOfflineJobResponse response;
    grpc::Status s = cluster_->api()->SubmitOfflineJob(&context, request, &response);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
    return response.job_id();
  }

  absl::StatusOr<v1::OfflineJob> Get(const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::GetOfflineJobRequest request;
    request.set_job_id(id);
    v1::OfflineJob job;
    grpc::Status s = cluster_->api()->GetOfflineJob(&context, request, &job);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
    return job;
  }

  // Polls until `done(job)` holds; the last record (a failed call is retried,
  // e.g. while the master restarts).
  template <typename Pred>
  v1::OfflineJob AwaitJob(const std::string& id, Pred done,
                          absl::Duration timeout = absl::Seconds(120)) {
    const absl::Time give_up = absl::Now() + timeout;
    v1::OfflineJob last;
    while (absl::Now() < give_up) {
      absl::StatusOr<v1::OfflineJob> job = Get(id);
      if (job.ok()) {
        last = *job;
        if (done(last)) return last;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "job " << id << " did not get there in time; last state "
                  << last.ShortDebugString();
    return last;
  }

  v1::OfflineJob AwaitEnd(const std::string& id) { return AwaitJob(id, Ended); }

  // Submits a vgg_mini job over 1200 images and returns its id once 100
  // are done (and the job is not over).
  std::string StartLargeJob(const fs::path& in, const fs::path& out) {
    FillWithSamples(in, 100);
    absl::StatusOr<std::string> id = Submit(in, out, "vgg_mini");
    EXPECT_TRUE(id.ok()) << id.status();
    if (!id.ok()) return "";
    const v1::OfflineJob mid =
        AwaitJob(*id, [](const v1::OfflineJob& j) { return j.items_done() >= 100; });
    EXPECT_LT(mid.items_done(), 1200) << "the job ended before anything could happen to it";
    return *id;
  }

  TestCluster* cluster_ = nullptr;  // this test's

 private:
  static TestCluster* shared_;
};

TestCluster* OfflineJobTest::shared_ = nullptr;

// The tests that take a worker or the master down: each on a cluster of its own.
class OfflineJobFaultTest : public OfflineJobTest {
 protected:
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  void SetUp() override {
    auto started = StartCluster();
    ASSERT_TRUE(started.ok()) << started.status();
    own_ = *std::move(started);
    cluster_ = own_.get();
  }

 private:
  std::unique_ptr<TestCluster> own_;
};

TEST_F(OfflineJobTest, EveryImageOfAFolderGetsItsTrueClass) {
  const fs::path in = Folder("all-in"), out = Folder("all-out");
  FillWithSamples(in, 25);  // 300 images
  absl::StatusOr<std::string> id = Submit(in, out, "vgg_mini");
  ASSERT_TRUE(id.ok()) << id.status();
  const v1::OfflineJob job = AwaitEnd(*id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_total(), 300);
  EXPECT_EQ(job.items_done(), 300);
  EXPECT_EQ(job.items_failed(), 0);
  ASSERT_EQ(job.variants_used_size(), 1);
  EXPECT_TRUE(absl::StartsWith(job.variants_used(0), "vgg_mini_")) << job.variants_used(0);
  EXPECT_EQ(ExpectCorrectResultForEveryImage(in, out), 300);
  EXPECT_EQ(CountFiles(out, ".json"), 301);  // and the summary

  v1::OfflineJob summary;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ReadBytes(out / kSummary), &summary).ok());
  EXPECT_EQ(summary.id(), *id);
  EXPECT_EQ(summary.state(), v1::OfflineJob::STATE_DONE);
  EXPECT_EQ(summary.items_done(), 300);
}

TEST_F(OfflineJobTest, CorruptFilesAreListedAsFailedWithReasonsAndTheRestFinishes) {
  const fs::path in = Folder("corrupt-in"), out = Folder("corrupt-out");
  FillWithSamples(in, 2);  // 24 good images
  WriteBytes(in / "garbage.png", "this is not an image");
  WriteBytes(in / "truncated.png", ReadBytes(Samples()[0]).substr(0, 40));
  WriteBytes(in / "wrong_shape.f32", std::string(10 * sizeof(float), '\0'));
  WriteBytes(in / "notes.txt", "not an input");
  absl::StatusOr<std::string> id = Submit(in, out, "lenet5");
  ASSERT_TRUE(id.ok()) << id.status();
  const v1::OfflineJob job = AwaitEnd(*id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_total(), 28);
  EXPECT_EQ(job.items_done(), 24);
  EXPECT_EQ(job.items_failed(), 4);
  std::map<std::string, std::string> reasons;
  for (const auto& f : job.failures()) reasons[f.input()] = f.reason();
  EXPECT_THAT(reasons["garbage.png"], HasSubstr("not a decodable"));
  EXPECT_THAT(reasons["truncated.png"], HasSubstr("not a decodable"));
  EXPECT_THAT(reasons["wrong_shape.f32"], HasSubstr("40"));  // bytes given, and expected
  EXPECT_THAT(reasons["notes.txt"], HasSubstr("not an input file"));
  EXPECT_EQ(reasons.size(), 4u);
  EXPECT_EQ(CountFiles(out, ".json"), 25);
  EXPECT_FALSE(fs::exists(out / "garbage.json"));

  v1::OfflineJob summary;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ReadBytes(out / kSummary), &summary).ok());
  EXPECT_EQ(summary.failures_size(), 4);
}

TEST_F(OfflineJobTest, BadSubmissionsAreRefusedWithTheFix) {
  const fs::path in = Folder("refused-in"), out = Folder("refused-out");
  FillWithSamples(in, 1);
  absl::StatusOr<std::string> unknown = Submit(in, out, "resnet50");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("vgg_mini"));
  absl::StatusOr<std::string> missing = Submit(Folder("nowhere"), out, "lenet5");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> same = Submit(in, in, "lenet5");
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(same.status().message()), HasSubstr("is the input folder"));
  fs::create_directories(out);
  WriteBytes(out / "old.json", "{}");
  absl::StatusOr<std::string> not_empty = Submit(in, out, "lenet5");
  EXPECT_EQ(not_empty.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(not_empty.status().message()), HasSubstr("not empty"));
}

TEST_F(OfflineJobTest, CancelStopsTheJobAndNothingMoreIsWritten) {
  const fs::path in = Folder("cancel-in"), out = Folder("cancel-out");
  FillWithSamples(in, 200);  // 2400 images
  absl::StatusOr<std::string> id = Submit(in, out, "lenet5");
  ASSERT_TRUE(id.ok()) << id.status();
  AwaitJob(*id, [](const v1::OfflineJob& j) { return j.items_done() > 0; });

  grpc::ClientContext context;
  v1::GetOfflineJobRequest request;
  request.set_job_id(*id);
  v1::OfflineJob cancelled;
  ASSERT_TRUE(cluster_->api()->CancelOfflineJob(&context, request, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::OfflineJob::STATE_CANCELLED);

  // Chunks in flight at the cancel may still land until the runner (an
  // idle-priority thread, slow on a busy machine) ends the job, which it
  // does by writing the summary; from then on nothing moves.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (!fs::exists(out / kSummary) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(out / kSummary)) << "the cancelled job was never ended";
  const int written = CountFiles(out, ".json");
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(CountFiles(out, ".json"), written);
  EXPECT_LT(written, 2400);
  absl::StatusOr<v1::OfflineJob> after = Get(*id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state(), v1::OfflineJob::STATE_CANCELLED);
  EXPECT_LT(after->items_done(), 2400);

  grpc::ClientContext again;
  v1::OfflineJob unused;
  EXPECT_EQ(cluster_->api()->CancelOfflineJob(&again, request, &unused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(OfflineJobTest, AFullOutputDiskPausesTheJobWhichResumesWhenSpaceReturns) {
  const fs::path in = Folder("full-in"), disk_folder = Folder("full-disk");
  FillWithSamples(in, 10);  // 120 images; each result takes a tmpfs page
  absl::StatusOr<std::unique_ptr<SmallDisk>> disk = SmallDisk::Mount(disk_folder, 64 << 10);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  const fs::path out = disk_folder / "results";
  absl::StatusOr<std::string> id = Submit(in, out, "lenet5");
  ASSERT_TRUE(id.ok()) << id.status();

  const v1::OfflineJob paused =
      AwaitJob(*id, [](const v1::OfflineJob& j) { return !j.paused_reason().empty(); });
  EXPECT_EQ(paused.state(), v1::OfflineJob::STATE_RUNNING) << paused.ShortDebugString();
  EXPECT_THAT(paused.paused_reason(), HasSubstr(out.string()));
  EXPECT_THAT(paused.paused_reason(), HasSubstr("resumes"));
  EXPECT_EQ(paused.items_failed(), 0);
  EXPECT_LT(paused.items_done(), 120);
  // Still paused a while later: nothing fails while the disk is full.
  absl::SleepFor(absl::Seconds(2));
  absl::StatusOr<v1::OfflineJob> still = Get(*id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state(), v1::OfflineJob::STATE_RUNNING);
  EXPECT_EQ(still->items_failed(), 0);

  ASSERT_TRUE((*disk)->Resize(16 << 20).ok());
  const v1::OfflineJob job = AwaitEnd(*id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 120);
  EXPECT_EQ(job.items_failed(), 0);
  EXPECT_TRUE(job.paused_reason().empty());
  EXPECT_EQ(ExpectCorrectResultForEveryImage(in, out), 120);
  EXPECT_TRUE(fs::exists(out / kSummary));
}

TEST_F(OfflineJobTest, ListsEveryJob) {
  grpc::ClientContext context;
  v1::ListOfflineJobsResponse jobs;
  ASSERT_TRUE(cluster_->api()->ListOfflineJobs(&context, {}, &jobs).ok());
  EXPECT_GE(jobs.jobs_size(), 1);
  for (const v1::OfflineJob& job : jobs.jobs()) EXPECT_FALSE(job.id().empty());
}

TEST_F(OfflineJobFaultTest, AWorkerKilledMidJobLosesNoInputAndDuplicatesNone) {
  const fs::path in = Folder("kill-in"), out = Folder("kill-out");
  const std::string id = StartLargeJob(in, out);
  ASSERT_FALSE(id.empty());
  cluster_->KillWorker(0);
  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 1200);
  EXPECT_EQ(job.items_failed(), 0);
  EXPECT_EQ(ExpectCorrectResultForEveryImage(in, out), 1200);
  EXPECT_EQ(CountFiles(out, ".json"), 1201);
}

TEST_F(OfflineJobFaultTest, AMasterRestartMidJobResumesWithoutRedoingResults) {
  const fs::path in = Folder("restart-in"), out = Folder("restart-out");
  const std::string id = StartLargeJob(in, out);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(cluster_->RestartMaster().ok());
  // What the first master wrote, and when.
  std::map<std::string, fs::file_time_type> before;
  for (const auto& e : fs::directory_iterator(out))
    before[e.path().filename()] = e.last_write_time();
  ASSERT_FALSE(before.empty());

  const v1::OfflineJob job = AwaitEnd(id);
  EXPECT_EQ(job.state(), v1::OfflineJob::STATE_DONE) << job.ShortDebugString();
  EXPECT_EQ(job.items_done(), 1200);
  EXPECT_EQ(ExpectCorrectResultForEveryImage(in, out), 1200);
  EXPECT_EQ(CountFiles(out, ".json"), 1201);
  int rewritten = 0;
  for (const auto& [name, written] : before) {
    rewritten += fs::last_write_time(out / name) != written;
  }
  EXPECT_EQ(rewritten, 0) << "results from before the restart were redone";
}

}  // namespace
}  // namespace infaas::testing
