#include "profiler/profile_job.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/sanitizers.h"

namespace infaas::profiler {
namespace {

// Reads `fd` to its end; false past `limit` bytes or on an error.
bool ReadToEnd(int fd, size_t limit, std::string* out) {
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (out->size() + static_cast<size_t>(n) > limit) return false;
    out->append(buffer, static_cast<size_t>(n));
  }
}

bool WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

absl::StatusOr<InstanceMeasurement> Measure(const v1::ProfileJob& job) {
  ValidationSet validation;
  validation.source = job.validation_source();
  for (const v1::LabelledImage& example : job.validation()) {
    validation.examples.push_back(
        {.encoded_image = example.encoded_image(), .label = example.label()});
  }
  const ProfileOptions options{
      .warmup_runs = job.warmup_runs(),
      .min_runs = job.min_runs(),
      .max_runs = job.max_runs(),
      .time_per_batch_size = absl::Milliseconds(job.ms_per_batch_size()),
      .median_precision = job.median_precision(),
      .max_time_per_batch_size = absl::Milliseconds(job.max_ms_per_batch_size())};
  try {
    return MeasureInstance(job.config(), job.model_dir(), job.cpu_threads(), options,
                           validation.examples.empty() ? nullptr : &validation);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("model ", job.config().name(),
                     " needed more memory than the profiler's limit while being measured"));
  }
}

}  // namespace

v1::ProfileJob ProfileJobFor(const v1::ModelConfig& config, const std::filesystem::path& model_dir,
                             int cpu_threads, const ProfileOptions& options,
                             const ValidationSet* validation, int64_t memory_limit_bytes) {
  v1::ProfileJob job;
  job.set_memory_limit_bytes(memory_limit_bytes);
  *job.mutable_config() = config;
  job.set_model_dir(model_dir.string());
  job.set_cpu_threads(cpu_threads);
  job.set_warmup_runs(options.warmup_runs);
  job.set_min_runs(options.min_runs);
  job.set_max_runs(options.max_runs);
  job.set_ms_per_batch_size(absl::ToDoubleMilliseconds(options.time_per_batch_size));
  job.set_median_precision(options.median_precision);
  job.set_max_ms_per_batch_size(absl::ToDoubleMilliseconds(options.max_time_per_batch_size));
  if (validation != nullptr) {
    job.set_validation_source(validation->source);
    for (const LabelledExample& example : validation->examples) {
      v1::LabelledImage* image = job.add_validation();
      image->set_encoded_image(example.encoded_image);
      image->set_label(example.label);
    }
  }
  return job;
}

v1::ProfileJobResult ResultOf(const absl::StatusOr<InstanceMeasurement>& measured) {
  v1::ProfileJobResult result;
  if (!measured.ok()) {
    result.set_error_code(static_cast<int>(measured.status().code()));
    result.set_error_message(std::string(measured.status().message()));
    return result;
  }
  result.set_framework(measured->framework);
  result.set_model_file(measured->model_file);
  result.set_cpu_threads(measured->cpu_threads);
  result.set_load_latency_ms(measured->load_latency_ms);
  result.set_memory_bytes(measured->memory_bytes);
  for (const v1::BatchLatency& l : measured->latency) *result.add_latency() = l;
  result.set_accuracy_percent(measured->accuracy_percent);
  result.set_validation_samples(measured->validation_samples);
  result.mutable_output_dims()->Assign(measured->output_dims.begin(), measured->output_dims.end());
  result.mutable_probe_output()->Assign(measured->probe_output.begin(),
                                        measured->probe_output.end());
  result.set_profiling_ms(measured->profiling_ms);
  return result;
}

absl::StatusOr<InstanceMeasurement> MeasurementOf(const v1::ProfileJobResult& result) {
  if (result.error_code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(result.error_code()), result.error_message());
  }
  if (result.latency().empty()) {
    return absl::InternalError("the profiler answered without any latency figures");
  }
  InstanceMeasurement m;
  m.framework = result.framework();
  m.model_file = result.model_file();
  m.cpu_threads = result.cpu_threads();
  m.load_latency_ms = result.load_latency_ms();
  m.memory_bytes = result.memory_bytes();
  m.latency.assign(result.latency().begin(), result.latency().end());
  m.accuracy_percent = result.accuracy_percent();
  m.validation_samples = result.validation_samples();
  m.output_dims.assign(result.output_dims().begin(), result.output_dims().end());
  m.probe_output.assign(result.probe_output().begin(), result.probe_output().end());
  m.profiling_ms = result.profiling_ms();
  return m;
}

int RunProfileJob(int in_fd, int out_fd) {
  std::string bytes;
  v1::ProfileJob job;
  if (!ReadToEnd(in_fd, kMaxProfileJobBytes, &bytes) || !job.ParseFromString(bytes)) {
    LogError("profiler: cannot read the profile job", {{"bytes", absl::StrCat(bytes.size())}});
    return 1;
  }
  bytes.clear();
  bytes.shrink_to_fit();
  // Limited here, not by the parent: the engines' libraries are mapped by
  // now (a limit set while the loader runs could stop the process from
  // starting at all), and nothing of the model is.
  const rlimit no_core{.rlim_cur = 0, .rlim_max = 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (job.memory_limit_bytes() > 0 && kShadowMemorySanitizer) {
    LogWarning(
        "profiler: memory limit not applied in a sanitizer build (its shadow memory "
        "takes terabytes of address space)");
  } else if (job.memory_limit_bytes() > 0) {
    const auto limit = static_cast<rlim_t>(job.memory_limit_bytes());
    const rlimit as{.rlim_cur = limit, .rlim_max = limit};
    if (::setrlimit(RLIMIT_AS, &as) != 0) {
      LogError("profiler: cannot limit its memory", {{"error", std::strerror(errno)}});
      return 1;
    }
  }
  const std::string answer = ResultOf(Measure(job)).SerializeAsString();
  return WriteAll(out_fd, answer) ? 0 : 1;
}

}  // namespace infaas::profiler
