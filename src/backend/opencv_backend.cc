#include "backend/opencv_backend.h"

#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backend/internal/model_base.h"
#include "backend/internal/opencv_threads.h"
#include "backend/model_config.h"
#include "backend/onnx_compat.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace infaas::backend {
namespace {

using internal::ConciseError;

class OpenCvDnnModel final : public internal::ModelBase {
 public:
  OpenCvDnnModel(v1::ModelConfig config, LoadOptions options, cv::dnn::Net net)
      : ModelBase(std::move(config), options), net_(std::move(net)) {}

  // Bytes of the net's weights, as OpenCV counts them for `input_shape`.
  int64_t WeightBytes(const std::vector<int64_t>& input_shape) ABSL_LOCKS_EXCLUDED(run_mu_);

 protected:
  absl::StatusOr<Tensor> RunLocked(const Tensor& batch) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);

 private:
  cv::dnn::Net net_ ABSL_GUARDED_BY(run_mu_);
};

Tensor FromMat(const cv::Mat& mat) {
  const cv::Mat dense = mat.isContinuous() ? mat : mat.clone();
  Tensor result;
  for (int i = 0; i < dense.dims; ++i) result.shape.push_back(dense.size[i]);
  const float* values = dense.ptr<float>();
  result.data.assign(values, values + dense.total());
  return result;
}

absl::StatusOr<Tensor> OpenCvDnnModel::RunLocked(const Tensor& batch) {
  const internal::ScopedOpenCvThreads threads(options().cpu_threads);
  try {
    const std::vector<int> sizes(batch.shape.begin(), batch.shape.end());
    // setInput copies the values, so wrapping the caller's buffer is safe.
    const cv::Mat input(static_cast<int>(sizes.size()), sizes.data(), CV_32F,
                        const_cast<float*>(batch.data.data()));
    net_.setInput(input);
    const cv::Mat output = net_.forward();
    if (output.type() != CV_32F) {
      return absl::InternalError(
          absl::StrCat("the net returned OpenCV type ", output.type(), ", not float32"));
    }
    return FromMat(output);
  } catch (const cv::Exception& e) {
    return absl::InternalError(ConciseError(e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(ConciseError(e.what()));
  }
}

int64_t OpenCvDnnModel::WeightBytes(const std::vector<int64_t>& input_shape) {
  absl::MutexLock lock(&run_mu_);
  try {
    size_t weights = 0;
    size_t blobs = 0;
    net_.getMemoryConsumption(cv::dnn::MatShape(input_shape.begin(), input_shape.end()), weights,
                              blobs);
    return static_cast<int64_t>(weights);
  } catch (const cv::Exception&) {
    return 0;  // a figure for the report only; the resident-set delta remains
  }
}

// An ONNX file is read once: the bytes go to OpenCV and to the declared
// input check.
cv::dnn::Net ReadNet(const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                     const std::string& onnx_bytes) {
  const std::string model = (model_dir / config.model_file()).string();
  const std::string description = config.model_description_file().empty()
                                      ? std::string()
                                      : (model_dir / config.model_description_file()).string();
  switch (config.framework()) {
    case v1::FRAMEWORK_TENSORFLOW:
      return cv::dnn::readNetFromTensorflow(model, description);
    case v1::FRAMEWORK_CAFFE:
      return cv::dnn::readNetFromCaffe(description, model);
    default:
      return cv::dnn::readNetFromONNX(onnx_bytes.data(), onnx_bytes.size());
  }
}

// Reads the net and selects the plain CPU implementation, with OpenCV's
// exceptions turned into a status naming the variant and the file.
absl::StatusOr<cv::dnn::Net> ReadCpuNet(const v1::ModelConfig& config,
                                        const std::filesystem::path& model_dir,
                                        const std::string& onnx_bytes) {
  std::string error;
  try {
    cv::dnn::Net net = ReadNet(config, model_dir, onnx_bytes);
    if (net.empty()) {
      error = "the importer returned an empty net";
    } else {
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      return net;
    }
  } catch (const cv::Exception& e) {
    error = ConciseError(e.what());
  } catch (const std::exception& e) {
    error = ConciseError(e.what());
  }
  if (config.framework() == v1::FRAMEWORK_ONNX) {
    // Name the operator, the node and the opset when OpenCV says which.
    absl::StatusOr<OnnxSignature> signature = OnnxSignatureOf(onnx_bytes);
    const std::string unsupported =
        DescribeUnsupportedOnnxNode(error, signature.ok() ? signature->opset : 0);
    if (!unsupported.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "variant ", config.name(), ": ", unsupported, " (file ",
          (model_dir / config.model_file()).string(), "; OpenCV says: ", error,
          "); registration rewrites the forms docs/models.md lists, other operators need "
          "another export (an older opset, or the operator replaced)"));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("variant ", config.name(), ": OpenCV DNN cannot ", "import the ",
                   FrameworkName(config.framework()), " file ",
                   (model_dir / config.model_file()).string(), ": ", error));
}

// OpenCV runs some inputs that disagree with the graph without complaint,
// so compare the config with the shape the ONNX file declares.
absl::Status CheckDeclaredOnnxInput(const v1::ModelConfig& config, absl::string_view onnx_bytes) {
  absl::StatusOr<OnnxSignature> signature = OnnxSignatureOf(onnx_bytes);
  // OpenCV accepted the file; a declaration we cannot read leaves the
  // warm-up as the only check.
  if (!signature.ok() || signature->inputs.size() != 1 || signature->inputs.front().dims.empty()) {
    return absl::OkStatus();
  }
  const OnnxTensorInfo& declared = signature->inputs.front();
  const std::vector<int64_t> shape = internal::WarmUpShape(config, 1);
  bool matches = declared.dims.size() == shape.size();
  for (size_t i = 1; matches && i < shape.size(); ++i) {
    matches = declared.dims[i] == -1 || declared.dims[i] == shape[i];
  }
  if (matches) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("variant ", config.name(), ": input shape ", ShapeToString(shape),
                   " from config does not match the model: the ONNX graph declares input \"",
                   declared.name, "\" as ", ShapeToString(declared.dims), " (-1 = variable)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpenCvDnnBackend>> OpenCvDnnBackend::Create() {
  internal::InstallPerThreadOpenCvParallelism();
  return std::unique_ptr<OpenCvDnnBackend>(new OpenCvDnnBackend());
}

absl::StatusOr<std::unique_ptr<Model>> OpenCvDnnBackend::Load(
    const v1::ModelConfig& config, const std::filesystem::path& model_dir,
    const LoadOptions& options) {
  RETURN_IF_ERROR(internal::CheckLoadable(
      config, model_dir, {v1::FRAMEWORK_ONNX, v1::FRAMEWORK_TENSORFLOW, v1::FRAMEWORK_CAFFE},
      name()));
  ASSIGN_OR_RETURN(const LoadOptions resolved, internal::ResolveLoadOptions(config, options));
  const internal::LoadMeter meter;
  std::string onnx_bytes;
  if (config.framework() == v1::FRAMEWORK_ONNX) {
    ASSIGN_OR_RETURN(onnx_bytes, ReadFile(model_dir / config.model_file()));
  }
  ASSIGN_OR_RETURN(cv::dnn::Net net, ReadCpuNet(config, model_dir, onnx_bytes));
  RETURN_IF_ERROR(CheckDeclaredOnnxInput(config, onnx_bytes));
  std::string().swap(onnx_bytes);  // OpenCV holds its own copy of the weights
  auto model = std::make_unique<OpenCvDnnModel>(config, resolved, std::move(net));
  RETURN_IF_ERROR(model->WarmUp());
  const int64_t weight_bytes = model->WeightBytes(internal::WarmUpShape(config, 1));
  model->set_load_report(meter.Finish(weight_bytes));
  internal::LogVariantLoaded(*model, name());
  return model;
}

}  // namespace infaas::backend
