#include "cli/model_zoo.h"

#include <gtest/gtest.h>

#include <fstream>

namespace infaas::cli {
namespace {

namespace fs = std::filesystem;

class ModelZooTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("model_zoo_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    zoo_ = root_ / "src" / "models" / "zoo";
    for (const char* model : {"mlp", "lenet5"}) {
      fs::create_directories(zoo_ / model);
      std::ofstream(zoo_ / model / "config.pbtxt") << "name: \"" << model << "\"\n";
    }
    fs::create_directories(zoo_ / "validation");  // not a model: no config.pbtxt
    fs::create_directories(root_ / "src" / "build" / "bin");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  fs::path zoo_;
};

TEST_F(ModelZooTest, ListsModelConfigsInNameOrder) {
  const std::vector<fs::path> configs = ZooConfigs(zoo_);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0], zoo_ / "lenet5" / "config.pbtxt");
  EXPECT_EQ(configs[1], zoo_ / "mlp" / "config.pbtxt");
}

TEST_F(ModelZooTest, FindsTheZooAboveTheExecutableFolder) {
  absl::StatusOr<fs::path> zoo = FindModelZoo(root_ / "src" / "build" / "bin", "");
  ASSERT_TRUE(zoo.ok()) << zoo.status();
  EXPECT_EQ(*zoo, zoo_);
}

TEST_F(ModelZooTest, EnvironmentOverrideWins) {
  absl::StatusOr<fs::path> zoo = FindModelZoo("/", zoo_.string());
  ASSERT_TRUE(zoo.ok()) << zoo.status();
  EXPECT_EQ(*zoo, zoo_);
  EXPECT_EQ(FindModelZoo(zoo_, (root_ / "empty").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ModelZooTest, NotFoundNamesTheOverride) {
  const absl::Status s = FindModelZoo(root_, "").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("INFAAS_ZOO"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace infaas::cli
