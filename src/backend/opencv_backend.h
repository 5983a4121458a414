#pragma once

// The OpenCV DNN backend: runs FRAMEWORK_ONNX variants, and through the
// same importer FRAMEWORK_TENSORFLOW (frozen .pb; model_description_file,
// when set, is the optional .pbtxt) and FRAMEWORK_CAFFE (.caffemodel with
// model_description_file = the .prototxt). Only ONNX is covered by tests;
// the TensorFlow and Caffe paths are the importer's and untested here.
//
// Load reads the files (cv::dnn::readNetFromONNX / ...FromTensorflow /
// ...FromCaffe), selects DNN_BACKEND_OPENCV on DNN_TARGET_CPU and warms the
// net up; Run copies the batch in with setInput and returns forward()'s
// output.
//
// Threads: Create() installs a per-thread parallel_for_ backend (see
// internal/opencv_threads.h) and Run limits its calling thread to the
// instance's cpu_threads for the duration of the call. Create the backend
// before serving: the installation is process-wide and OpenCV does not make
// it thread-safe against concurrent OpenCV work.
//
// Created by BackendFor(); stateless; thread-safe.

#include <memory>

#include "absl/status/statusor.h"
#include "backend/backend.h"

namespace infaas::backend {

class OpenCvDnnBackend final : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<OpenCvDnnBackend>> Create();

  absl::StatusOr<std::unique_ptr<Model>> Load(const v1::ModelConfig& config,
                                              const std::filesystem::path& model_dir,
                                              const LoadOptions& options) override;
  absl::string_view name() const override { return "opencv-dnn"; }

 private:
  OpenCvDnnBackend() = default;
};

}  // namespace infaas::backend
