#include "backend/preprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "backend/model_config.h"
#include "backend/testing/zoo.h"

namespace infaas::backend {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::ModelConfig ZooLenetConfig() {
  absl::StatusOr<v1::ModelConfig> config =
      LoadModelConfig(testing::ZooDir() / "lenet5" / "config.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : v1::ModelConfig();
}

// An RGB input of `size` x `size` without normalisation (scale 1/255).
v1::ModelConfig ColourConfig(v1::Preprocessing::Color color, int size) {
  v1::ModelConfig config;
  config.set_name("colour");
  for (int64_t dim : {3, size, size}) config.mutable_input()->add_dims(dim);
  config.mutable_preprocessing()->set_color(color);
  config.mutable_preprocessing()->set_width(size);
  config.mutable_preprocessing()->set_height(size);
  return config;
}

std::string EncodePng(const cv::Mat& image) {
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(".png", image, bytes));
  return std::string(bytes.begin(), bytes.end());
}

TEST(PreprocessTest, ASamplePngBecomesTheNormalisedGreyExample) {
  const v1::ModelConfig config = ZooLenetConfig();
  const std::filesystem::path png = testing::ZooDir() / "samples" / "ankle_boot_0000.png";
  absl::StatusOr<Tensor> example = DecodeImageInput(testing::ReadBytes(png), config, 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(1, 28, 28));

  const cv::Mat pixels = cv::imread(png.string(), cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(pixels.rows, 28);
  const float mean = config.preprocessing().mean(0);
  const float std = config.preprocessing().std(0);
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      const float expected =
          (pixels.at<uint8_t>(y, x) * config.preprocessing().scale() - mean) / std;
      ASSERT_NEAR(example->data[y * 28 + x], expected, 1e-5) << "pixel " << x << "," << y;
    }
  }
}

TEST(PreprocessTest, AColourImageIsResizedAndLaidOutAsRgbPlanes) {
  // 20x10 pure red (BGR order in OpenCV).
  const std::string png = EncodePng(cv::Mat(10, 20, CV_8UC3, cv::Scalar(0, 0, 255)));
  absl::StatusOr<Tensor> example =
      DecodeImageInput(png, ColourConfig(v1::Preprocessing::COLOR_RGB, 8), 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(3, 8, 8));
  EXPECT_NEAR(example->data[0], 1.0f, 1e-6);         // R plane
  EXPECT_NEAR(example->data[64], 0.0f, 1e-6);        // G plane
  EXPECT_NEAR(example->data[128 + 63], 0.0f, 1e-6);  // B plane
}

TEST(PreprocessTest, BgrModeKeepsBlueFirst) {
  const std::string png = EncodePng(cv::Mat(8, 8, CV_8UC3, cv::Scalar(0, 0, 255)));
  absl::StatusOr<Tensor> example =
      DecodeImageInput(png, ColourConfig(v1::Preprocessing::COLOR_BGR, 8), 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_NEAR(example->data[0], 0.0f, 1e-6);
  EXPECT_NEAR(example->data[128], 1.0f, 1e-6);
}

TEST(PreprocessTest, AColourImageIsConvertedToGreyForAGreyModel) {
  const std::string png = EncodePng(cv::Mat(28, 28, CV_8UC3, cv::Scalar(255, 255, 255)));
  absl::StatusOr<Tensor> example = DecodeImageInput(png, ZooLenetConfig(), 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(1, 28, 28));
}

// 30x10: a red, a green and a blue 10x10 square side by side.
cv::Mat ThreeSquares() {
  cv::Mat image(10, 30, CV_8UC3);
  image(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(0, 0, 255));
  image(cv::Rect(10, 0, 10, 10)).setTo(cv::Scalar(0, 255, 0));
  image(cv::Rect(20, 0, 10, 10)).setTo(cv::Scalar(255, 0, 0));
  return image;
}

TEST(PreprocessTest, ACentreCropKeepsTheMiddleOfTheImage) {
  v1::ModelConfig config = ColourConfig(v1::Preprocessing::COLOR_RGB, 10);
  config.mutable_preprocessing()->set_center_crop(true);
  absl::StatusOr<Tensor> example = DecodeImageInput(EncodePng(ThreeSquares()), config, 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(3, 10, 10));
  for (int i = 0; i < 100; ++i) {  // all green: R, G, B planes
    ASSERT_NEAR(example->data[i], 0.0f, 1e-6);
    ASSERT_NEAR(example->data[100 + i], 1.0f, 1e-6);
    ASSERT_NEAR(example->data[200 + i], 0.0f, 1e-6);
  }
  // Resized straight instead, the image would show all three colours.
  config.mutable_preprocessing()->set_center_crop(false);
  absl::StatusOr<Tensor> squeezed = DecodeImageInput(EncodePng(ThreeSquares()), config, 0);
  ASSERT_TRUE(squeezed.ok());
  EXPECT_NEAR(squeezed->data[0], 1.0f, 1e-6);  // red at the left
}

TEST(PreprocessTest, TheShorterSideIsResizedBeforeTheCentreIsCut) {
  v1::ModelConfig config = ColourConfig(v1::Preprocessing::COLOR_RGB, 6);
  config.mutable_preprocessing()->set_center_crop(true);
  config.mutable_preprocessing()->set_resize_shorter_side(20);  // 30x10 -> 60x20
  absl::StatusOr<Tensor> example = DecodeImageInput(EncodePng(ThreeSquares()), config, 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(3, 6, 6));
  EXPECT_NEAR(example->data[36], 1.0f, 1e-6);  // green, from the middle square
  // An image smaller than the crop is enlarged until it covers it.
  config.mutable_preprocessing()->set_resize_shorter_side(0);
  config.mutable_preprocessing()->set_width(40);
  config.mutable_preprocessing()->set_height(40);
  config.mutable_input()->set_dims(1, 40);
  config.mutable_input()->set_dims(2, 40);
  absl::StatusOr<Tensor> enlarged = DecodeImageInput(EncodePng(ThreeSquares()), config, 0);
  ASSERT_TRUE(enlarged.ok()) << enlarged.status();
  EXPECT_THAT(enlarged->shape, ElementsAre(3, 40, 40));
}

TEST(PreprocessTest, BytesThatAreNotAnImageAreRejected) {
  absl::StatusOr<Tensor> example = DecodeImageInput("not an image", ZooLenetConfig(), 3);
  ASSERT_EQ(example.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(example.status().message(),
              AllOf(HasSubstr("lenet5"),
                    HasSubstr("input 3 is not a decodable PNG/JPEG image (12 bytes)")));
}

TEST(PreprocessTest, APngWithACorruptBodyIsRejected) {
  std::string png = testing::ReadBytes(testing::ZooDir() / "samples" / "bag_0018.png");
  ASSERT_GT(png.size(), 40u);
  png.resize(40);  // signature and header only
  absl::StatusOr<Tensor> example = DecodeImageInput(png, ZooLenetConfig(), 0);
  ASSERT_EQ(example.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(example.status().message(), HasSubstr("not a decodable PNG/JPEG image (40 bytes)"));
}

// A PNG may declare any size in its header; OpenCV would allocate for it
// (up to 2^30 pixels) before finding the body short.
TEST(PreprocessTest, AnImageDeclaringMorePixelsThanTheCapIsRefusedUndecoded) {
  std::string png = EncodePng(cv::Mat(8, 8, CV_8UC1, cv::Scalar(0)));
  const std::string huge("\x00\x01\x86\xa0\x00\x01\x86\xa0", 8);  // 100000 x 100000
  png.replace(16, 8, huge);
  absl::StatusOr<Tensor> example = DecodeImageInput(png, ZooLenetConfig(), 1);
  ASSERT_EQ(example.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(example.status().message(),
              HasSubstr("input 1 is a 100000x100000 image; at most 16777216 pixels"));
}

TEST(PreprocessTest, AJpegIsDecodedAndOtherFormatsAreRefusedUnread) {
  std::vector<unsigned char> jpeg, bmp;
  const cv::Mat grey(28, 28, CV_8UC1, cv::Scalar(128));
  ASSERT_TRUE(cv::imencode(".jpg", grey, jpeg));
  ASSERT_TRUE(cv::imencode(".bmp", grey, bmp));
  EXPECT_TRUE(DecodeImageInput(std::string(jpeg.begin(), jpeg.end()), ZooLenetConfig(), 0).ok());
  EXPECT_THAT(
      DecodeImageInput(std::string(bmp.begin(), bmp.end()), ZooLenetConfig(), 0).status().message(),
      HasSubstr("is not a decodable PNG/JPEG image"));
}

TEST(PreprocessTest, EmptyBytesAreRejected) {
  EXPECT_EQ(DecodeImageInput("", ZooLenetConfig(), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PreprocessTest, AColourModeWhoseChannelsDisagreeWithTheInputDimsIsRejected) {
  v1::ModelConfig config = ZooLenetConfig();
  config.mutable_preprocessing()->set_color(v1::Preprocessing::COLOR_RGB);
  const std::string png = testing::ReadBytes(testing::ZooDir() / "samples" / "bag_0018.png");
  absl::StatusOr<Tensor> example = DecodeImageInput(png, config, 0);
  ASSERT_EQ(example.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(example.status().message(),
              AllOf(HasSubstr("COLOR_RGB gives 3 channels"), HasSubstr("[1,28,28] expect 1")));
}

TEST(PreprocessTest, AnInputThatIsNotImageShapedCannotTakeAnImage) {
  v1::ModelConfig config;
  config.set_name("flat");
  config.mutable_input()->add_dims(784);
  EXPECT_THAT(ImageExampleShape(config).status().message(), HasSubstr("not an image"));
}

TEST(PreprocessTest, RawFloat32BytesBecomeAnExampleOfTheInputShape) {
  v1::ModelConfig config;
  config.set_name("raw");
  for (int64_t dim : {2, 2}) config.mutable_input()->add_dims(dim);
  const std::vector<float> values = {1.5f, -2.0f, 0.25f, 8.0f};
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  absl::StatusOr<Tensor> example = DecodeRawInput(bytes, config, 0);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_THAT(example->shape, ElementsAre(2, 2));
  EXPECT_THAT(example->data, ElementsAre(1.5f, -2.0f, 0.25f, 8.0f));
}

TEST(PreprocessTest, ARawTensorOfTheWrongSizeNamesExpectedAndActualCounts) {
  const std::string bytes(100 * sizeof(float), '\0');
  absl::StatusOr<Tensor> example = DecodeRawInput(bytes, ZooLenetConfig(), 1);
  ASSERT_EQ(example.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(example.status().message(),
              AllOf(HasSubstr("input 1 has 400 bytes (100 float32 values)"),
                    HasSubstr("[1,28,28] needs 784 values")));
}

TEST(PreprocessTest, ARawTensorCannotFillAVariableDimension) {
  v1::ModelConfig config;
  config.set_name("variable");
  for (int64_t dim : {-1, 4}) config.mutable_input()->add_dims(dim);
  EXPECT_THAT(DecodeRawInput(std::string(16, '\0'), config, 0).status().message(),
              HasSubstr("variable dimension"));
}

}  // namespace
}  // namespace infaas::backend
