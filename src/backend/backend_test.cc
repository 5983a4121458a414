#include "backend/backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backend/model_config.h"
#include "backend/preprocess.h"
#include "backend/testing/zoo.h"

namespace infaas::backend {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::ModelConfig ZooConfig(absl::string_view arch, absl::string_view file) {
  absl::StatusOr<v1::ModelConfig> config =
      LoadModelConfig(testing::ZooDir() / std::string(arch) / std::string(file));
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : v1::ModelConfig();
}

absl::StatusOr<std::unique_ptr<Model>> LoadFrom(const v1::ModelConfig& config,
                                                const std::filesystem::path& dir,
                                                const LoadOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<Backend>> backend = BackendFor(config.framework());
  if (!backend.ok()) return backend.status();
  return (*backend)->Load(config, dir, options);
}

// The samples decoded for `config`, run in batches of at most its max
// batch size; one logits row per sample.
std::vector<Tensor> RunSamples(Model& model, const std::vector<testing::Sample>& samples) {
  std::vector<Tensor> rows;
  const size_t max_batch = static_cast<size_t>(model.options().max_batch_size);
  for (size_t start = 0; start < samples.size(); start += max_batch) {
    std::vector<Tensor> examples;
    for (size_t i = start; i < std::min(samples.size(), start + max_batch); ++i) {
      absl::StatusOr<Tensor> example = DecodeImageInput(samples[i].bytes, model.config(), i);
      EXPECT_TRUE(example.ok()) << example.status();
      if (example.ok()) examples.push_back(*std::move(example));
    }
    absl::StatusOr<Tensor> batch = StackExamples(examples);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) return rows;
    absl::StatusOr<Tensor> logits = model.Run(*batch);
    EXPECT_TRUE(logits.ok()) << logits.status();
    if (!logits.ok()) return rows;
    for (int64_t i = 0; i < logits->shape[0]; ++i) rows.push_back(*ExampleOf(*logits, i));
  }
  return rows;
}

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  float diff = 0;
  for (size_t i = 0; i < std::min(a.data.size(), b.data.size()); ++i) {
    diff = std::max(diff, std::abs(a.data[i] - b.data[i]));
  }
  return diff;
}

int ArgMax(const Tensor& row) {
  return static_cast<int>(std::max_element(row.data.begin(), row.data.end()) - row.data.begin());
}

// The zoo architecture with the highest declared accuracy.
std::string BestZooArchitecture() {
  std::string best;
  double best_accuracy = -1;
  for (const auto& dir : testing::ZooArchitectureDirs()) {
    const v1::ModelConfig config = ZooConfig(dir.filename().string(), "config.pbtxt");
    if (config.declared_accuracy_percent() > best_accuracy) {
      best_accuracy = config.declared_accuracy_percent();
      best = dir.filename().string();
    }
  }
  return best;
}

TEST(BackendTest, EveryZooModelGivesTheSameLogitsInBothBackends) {
  const std::vector<testing::Sample> samples = testing::ZooSamples();
  ASSERT_FALSE(samples.empty());
  const auto dirs = testing::ZooArchitectureDirs();
  ASSERT_FALSE(dirs.empty());
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.string());
    auto torch = LoadModelFromConfigFile(dir / "config.pbtxt");
    auto onnx = LoadModelFromConfigFile(dir / "config_onnx.pbtxt");
    ASSERT_TRUE(torch.ok()) << torch.status();
    ASSERT_TRUE(onnx.ok()) << onnx.status();
    const std::vector<Tensor> torch_rows = RunSamples(**torch, samples);
    const std::vector<Tensor> onnx_rows = RunSamples(**onnx, samples);
    ASSERT_EQ(torch_rows.size(), samples.size());
    ASSERT_EQ(onnx_rows.size(), samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      EXPECT_THAT(torch_rows[i].shape, ElementsAre(10)) << samples[i].file;
      EXPECT_LT(MaxAbsDiff(torch_rows[i], onnx_rows[i]), 1e-4f) << samples[i].file;
    }
  }
}

TEST(BackendTest, TheBestZooModelClassifiesEverySampleCorrectlyInBothBackends) {
  const std::string arch = BestZooArchitecture();
  ASSERT_FALSE(arch.empty());
  const std::vector<std::string> labels = testing::ReadLines(testing::ZooDir() / "labels.txt");
  ASSERT_EQ(labels.size(), 10u);
  const std::vector<testing::Sample> samples = testing::ZooSamples();
  for (const char* file : {"config.pbtxt", "config_onnx.pbtxt"}) {
    SCOPED_TRACE(absl::StrCat(arch, "/", file));
    auto model = LoadModelFromConfigFile(testing::ZooDir() / arch / file);
    ASSERT_TRUE(model.ok()) << model.status();
    const std::vector<Tensor> rows = RunSamples(**model, samples);
    ASSERT_EQ(rows.size(), samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(testing::ClassKey(labels[ArgMax(rows[i])]), samples[i].class_key)
          << samples[i].file;
    }
  }
}

TEST(BackendTest, LoadOptionsOverrideTheConfigsThreadsAndMaxBatch) {
  const v1::ModelConfig config = ZooConfig("lenet5", "config.pbtxt");
  auto model = LoadFrom(config, testing::ZooDir() / "lenet5",
                        LoadOptions{.cpu_threads = 2, .max_batch_size = 3});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->options().cpu_threads, 2);
  EXPECT_EQ((*model)->options().max_batch_size, 3);
  EXPECT_TRUE((*model)->Run(Tensor::Zeros({3, 1, 28, 28})).ok());
  EXPECT_FALSE((*model)->Run(Tensor::Zeros({4, 1, 28, 28})).ok());
}

TEST(BackendTest, LoadReportsLoadTimeAndAtLeastTheWeightsInMemory) {
  for (const char* file : {"config.pbtxt", "config_onnx.pbtxt"}) {
    SCOPED_TRACE(file);
    auto model = LoadModelFromConfigFile(testing::ZooDir() / "lenet5" / file);
    ASSERT_TRUE(model.ok()) << model.status();
    const LoadReport& report = (*model)->load_report();
    EXPECT_GT(report.load_time, absl::ZeroDuration());
    // LeNet-5 has 61,706 float32 parameters.
    EXPECT_GE(report.weight_bytes, 61706 * 4);
    EXPECT_GE(report.MemoryBytes(), report.weight_bytes);
  }
}

TEST(BackendTest, ConcurrentRunsOnOneInstanceAllGetTheRightAnswer) {
  for (const char* file : {"config.pbtxt", "config_onnx.pbtxt"}) {
    SCOPED_TRACE(file);
    auto model = LoadModelFromConfigFile(testing::ZooDir() / "lenet5" / file);
    ASSERT_TRUE(model.ok()) << model.status();
    const std::vector<testing::Sample> samples = testing::ZooSamples();
    const std::vector<Tensor> expected = RunSamples(**model, samples);
    std::vector<std::thread> threads;
    std::vector<float> worst(4, 0.0f);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 5; ++round) {
          const std::vector<Tensor> rows = RunSamples(**model, samples);
          for (size_t i = 0; i < rows.size(); ++i) {
            worst[t] = std::max(worst[t], MaxAbsDiff(rows[i], expected[i]));
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (float diff : worst) EXPECT_EQ(diff, 0.0f);
  }
}

class BackendErrorTest : public ::testing::TestWithParam<const char*> {
 protected:
  // The zoo's lenet5 config for this test's framework (config file name).
  v1::ModelConfig Config() const { return ZooConfig("lenet5", GetParam()); }
  // Config() for model files copied into a scratch folder without labels.
  v1::ModelConfig ScratchConfig() const {
    v1::ModelConfig config = Config();
    config.clear_label_file();
    return config;
  }
  std::filesystem::path ZooLenet() const { return testing::ZooDir() / "lenet5"; }
};

TEST_P(BackendErrorTest, ABatchAboveTheMaxNamesTheVariantTheMaxAndTheBatch) {
  auto model = LoadFrom(Config(), ZooLenet());
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<Tensor> out = (*model)->Run(Tensor::Zeros({9, 1, 28, 28}));
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), AllOf(HasSubstr(Config().name()), HasSubstr("a batch of 9"),
                                            HasSubstr("max batch size 8")));
}

TEST_P(BackendErrorTest, ABatchOfTheWrongShapeIsRejectedBeforeTheFrameworkSeesIt) {
  auto model = LoadFrom(Config(), ZooLenet());
  ASSERT_TRUE(model.ok()) << model.status();
  for (const Tensor& batch :
       {Tensor::Zeros({1, 3, 28, 28}), Tensor::Zeros({1, 784}), Tensor::Zeros({0, 1, 28, 28})}) {
    absl::StatusOr<Tensor> out = (*model)->Run(batch);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(out.status().message(), HasSubstr("[N,1,28,28]"));
  }
  Tensor short_batch = Tensor::Zeros({1, 1, 28, 28});
  short_batch.data.resize(10);
  EXPECT_EQ((*model)->Run(short_batch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(BackendErrorTest, ATruncatedModelFileFailsToLoadNamingTheVariantAndFile) {
  const v1::ModelConfig config = ScratchConfig();
  const std::filesystem::path dir = testing::NewScratchDir("truncated");
  const std::string bytes = testing::ReadBytes(ZooLenet() / config.model_file());
  testing::WriteBytes(dir / config.model_file(), bytes.substr(0, bytes.size() / 2));
  auto model = LoadFrom(config, dir);
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(),
              AllOf(HasSubstr(config.name()), HasSubstr((dir / config.model_file()).string())));
}

TEST_P(BackendErrorTest, AFileOfRandomBytesFailsToLoad) {
  const v1::ModelConfig config = ScratchConfig();
  const std::filesystem::path dir = testing::NewScratchDir("garbage");
  testing::WriteBytes(dir / config.model_file(), std::string(4096, '\x5a'));
  auto model = LoadFrom(config, dir);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
}

TEST_P(BackendErrorTest, AConfigInputShapeTheModelRejectsFailsAtLoad) {
  v1::ModelConfig config = Config();
  config.mutable_input()->set_dims(0, 3);
  config.mutable_preprocessing()->set_color(v1::Preprocessing::COLOR_RGB);
  auto model = LoadFrom(config, ZooLenet());
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(),
              AllOf(HasSubstr(config.name()),
                    HasSubstr("input shape [1,3,28,28] from config does not match the model: ")));
}

TEST_P(BackendErrorTest, AConfigImageSizeTheModelRejectsFailsAtLoad) {
  v1::ModelConfig config = Config();
  config.mutable_input()->set_dims(1, 32);
  config.mutable_input()->set_dims(2, 32);
  config.mutable_preprocessing()->set_width(32);
  config.mutable_preprocessing()->set_height(32);
  auto model = LoadFrom(config, ZooLenet());
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(),
              HasSubstr("input shape [1,1,32,32] from config does not match the model: "));
}

TEST_P(BackendErrorTest, AConfigOutputShapeOtherThanTheModelsFailsAtLoad) {
  v1::ModelConfig config = Config();
  config.mutable_output()->set_dims(0, 12);
  auto model = LoadFrom(config, ZooLenet());
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(),
              AllOf(HasSubstr("returned shape [1,10]"), HasSubstr("output is [N,12]")));
}

TEST_P(BackendErrorTest, AConfigThatFailsValidationIsRejectedBeforeReadingTheModel) {
  v1::ModelConfig config = Config();
  config.mutable_input()->clear_dims();
  auto model = LoadFrom(config, ZooLenet());
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(),
              HasSubstr(absl::StrCat("variant ", config.name(), ": input.dims is empty")));
}

TEST_P(BackendErrorTest, AMissingModelFileIsRejected) {
  auto model = LoadFrom(ScratchConfig(), testing::NewScratchDir("empty"));
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("is not a readable file"));
}

TEST_P(BackendErrorTest, GpuHardwareIsNotServed) {
  v1::ModelConfig config = Config();
  config.set_hardware(v1::HARDWARE_GPU);
  EXPECT_EQ(LoadFrom(config, ZooLenet()).status().code(), absl::StatusCode::kUnimplemented);
}

TEST_P(BackendErrorTest, NegativeLoadOptionsAreRejected) {
  auto model = LoadFrom(Config(), ZooLenet(), LoadOptions{.cpu_threads = -1});
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(BothBackends, BackendErrorTest,
                         ::testing::Values("config.pbtxt", "config_onnx.pbtxt"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return info.index == 0 ? std::string("TorchScript")
                                                  : std::string("OpenCvOnnx");
                         });

TEST(BackendTest, AnOnnxOperatorOpenCvLacksFailsToLoadNamingTheOperator) {
  v1::ModelConfig config = ZooConfig("lenet5", "config_onnx.pbtxt");
  config.set_model_file("hardmax.onnx");
  config.clear_label_file();
  config.mutable_output()->set_dims(0, 784);
  auto model = LoadFrom(config, testing::SourceDir() / "src" / "backend" / "testdata");
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(),
              AllOf(HasSubstr(config.name()), HasSubstr("hardmax.onnx"), HasSubstr("Hardmax")));
}

TEST(BackendTest, TheTorchScriptBackendRefusesAnOnnxVariant) {
  auto backend = BackendFor(v1::FRAMEWORK_TORCHSCRIPT);
  ASSERT_TRUE(backend.ok());
  EXPECT_EQ((*backend)->name(), "torchscript");
  auto model =
      (*backend)->Load(ZooConfig("lenet5", "config_onnx.pbtxt"), testing::ZooDir() / "lenet5", {});
  EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(BackendTest, BackendForServesEveryNamedFrameworkAndRejectsUnspecified) {
  for (v1::Framework framework :
       {v1::FRAMEWORK_ONNX, v1::FRAMEWORK_TENSORFLOW, v1::FRAMEWORK_CAFFE}) {
    auto backend = BackendFor(framework);
    ASSERT_TRUE(backend.ok());
    EXPECT_EQ((*backend)->name(), "opencv-dnn");
  }
  EXPECT_EQ(BackendFor(v1::FRAMEWORK_UNSPECIFIED).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BackendTest, LoadingFromAnInvalidConfigFileFailsWithTheConfigError) {
  const std::filesystem::path dir = testing::NewScratchDir("bad_config");
  testing::WriteBytes(dir / "config.pbtxt", "name: \"x\"\n");
  auto model = LoadModelFromConfigFile(dir / "config.pbtxt");
  ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("framework is not set"));
}

}  // namespace
}  // namespace infaas::backend
